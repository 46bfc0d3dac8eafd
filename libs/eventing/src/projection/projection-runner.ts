import type { CheckpointStore } from '../event-store/checkpoint-store.port';
import type { Position, RecordedEvent } from '../event-store/event';
import type { EventStore } from '../event-store/event-store.port';
import { systemClock, type Clock } from '../ids/uuid-v7';
import type { ReadStoreFactory } from '../read-store/read-store.port';
import { describeError, type ParkedEventStore } from './parked-event.store';
import type { Projection, ReadModels, ReadStoresOf } from './projection';
import { backoff, consoleRunnerLogger, LoopStopping, TailLoop, type RunnerLogger } from './tail-loop';

export interface ProjectionRunnerDeps {
  events: EventStore;
  readStores: ReadStoreFactory;
  /** Must live as long as the read models (same database): a checkpoint that outlives them skips events. */
  checkpoints: CheckpointStore;
  parked: ParkedEventStore;
  logger?: RunnerLogger;
  clock?: Clock;
}

export interface ProjectionRunnerOptions {
  /** Events read per batch; the checkpoint is saved after each. Default 500. */
  batchSize?: number;
  /** Longest wait for new events without `notify()`. Default 1000 ms. */
  pollIntervalMs?: number;
  /** Attempts of a failing event before it is parked. Default 5. */
  maxAttempts?: number;
  /** First retry delay, doubled per attempt. Default 50 ms. */
  retryDelayMs?: number;
  /** Cap of retry delays and of the back-off during an outage. Default 5000 ms. */
  maxDelayMs?: number;
}

export type ProjectionState = 'stopped' | 'running' | 'rebuilding' | 'failing';

/** For /readyz and /metrics. `lag` is in positions (`head - position`, never negative). */
export interface ProjectionStatus {
  name: string;
  version: number;
  /** Increments at every rebuild; keys the checkpoint. */
  build: bigint;
  state: ProjectionState;
  position: Position;
  head: Position | undefined;
  lag: bigint;
  /** Records in the parked store for this projection (undefined when the store cannot be reached). */
  parked: number | undefined;
  /** Events parked by this runner since it was created (a counter for metrics). */
  parkedTotal: number;
  lastError: string | undefined;
}

/** Outages (database unreachable) retry the whole batch until it passes; they never park an event. */
const isOutage = (err: unknown): boolean =>
  /\.UNAVAILABLE$/.test(String((err as { code?: unknown })?.code ?? ''));

/**
 * Tails `EventStore.readAll` from the projection's checkpoint and applies its events in global order.
 *
 * - Checkpoint after each batch, only up to the last event whose writes completed: never ahead of the read
 *   model. A crash re-delivers the rest of the batch, which guarded writes make harmless.
 * - A failing event is retried with exponential back-off `maxAttempts` times, then parked (recorded with its
 *   error, counted, logged once) and passed over; an outage (`*.UNAVAILABLE`) instead retries the batch with
 *   back-off until the database is back, so it never parks healthy events.
 * - Build bookkeeping in the checkpoint store: `projection:<name>:build` (increments on every rebuild),
 *   `…:build:<n>:version` (the projection version that build runs) and `…:build:<n>:position`. At start, a
 *   stored version other than the code's starts a new build; a build without a position clears the read models
 *   first. Each step is safe to repeat after a crash, and only ever saves increasing numbers, so it works
 *   on any checkpoint store.
 *
 * One runner per projection is the intended deployment; a second one converges (guarded writes, `update`'s
 * compare-and-set) but does the work twice.
 */
export class ProjectionRunner<M extends ReadModels = ReadModels> {
  private readonly options: Required<ProjectionRunnerOptions>;
  private readonly logger: RunnerLogger;
  private readonly clock: Clock;
  private readonly handles: ReadonlySet<string>;
  private readonly loop: TailLoop;
  private stores: ReadStoresOf<M> | undefined;
  private prepared = false;
  private build = 0n;
  private position: Position = 0n;
  private state: ProjectionState = 'stopped';
  private parkedTotal = 0;
  private lastError: string | undefined;
  /** Serialises batches, catch-ups and rebuilds: position and build have one writer at a time. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly projection: Projection<M>,
    private readonly deps: ProjectionRunnerDeps,
    options: ProjectionRunnerOptions = {},
  ) {
    if (!Number.isSafeInteger(projection.version) || projection.version < 1)
      throw new Error(`projection ${projection.name}: version must be a positive integer`);
    this.options = {
      batchSize: options.batchSize ?? 500,
      pollIntervalMs: options.pollIntervalMs ?? 1000,
      maxAttempts: options.maxAttempts ?? 5,
      retryDelayMs: options.retryDelayMs ?? 50,
      maxDelayMs: options.maxDelayMs ?? 5000,
    };
    this.logger = deps.logger ?? consoleRunnerLogger;
    this.clock = deps.clock ?? systemClock;
    this.handles = new Set(projection.handles);
    this.loop = new TailLoop(
      async () => (await this.serial(() => this.runBatch())) === this.options.batchSize,
      { pollIntervalMs: this.options.pollIntervalMs, maxBackoffMs: this.options.maxDelayMs },
      (err, failures) => {
        this.state = 'failing';
        this.lastError = describeError(err);
        // An outage fails every poll: log the first and then every 10th, not a line per second.
        if (failures === 1 || failures % 10 === 0)
          this.logger.warn(`projection ${this.name} failing, retrying`, { error: this.lastError, failures });
      },
    );
  }

  get name(): string {
    return this.projection.name;
  }

  /** Opens the read models, rebuilds if the version changed, and starts tailing. Idempotent. */
  async start(): Promise<void> {
    if (this.loop.running) return;
    this.loop.resume();
    await this.serial(() => this.prepare(true));
    this.state = 'running';
    this.loop.start();
  }

  /** Stops tailing after the current event (retries are abandoned unrecorded); saves progress made so far. */
  async stop(): Promise<void> {
    await this.loop.stop();
    await this.queue;
    this.state = 'stopped';
  }

  /** Wakes the runner now (call after appending); without it, new events are seen within the poll interval. */
  notify(): void {
    this.loop.notify();
  }

  /**
   * Applies everything up to the head as of this call, then resolves (boot in embedded mode, tests). Works with
   * or without `start()`; throws when the store fails (an outage is not retried here).
   */
  async catchUp(): Promise<void> {
    this.loop.resume();
    await this.serial(() => this.prepare(false));
    const head = await this.deps.events.headPosition();
    while (head !== undefined && this.position < head) {
      if ((await this.serial(() => this.runBatch())) === 0) break;
    }
  }

  /** Clears the read models, parked events and checkpoint (a new build), then replays from zero. */
  async rebuild(): Promise<void> {
    await this.serial(async () => {
      await this.prepare(false);
      this.state = 'rebuilding';
      this.logger.info(`projection ${this.name} rebuilding`, { version: this.projection.version });
      await this.startBuild();
    });
    try {
      await this.catchUp();
    } finally {
      this.state = this.loop.running ? 'running' : 'stopped';
    }
  }

  async status(): Promise<ProjectionStatus> {
    const [head, parked] = await Promise.all([
      this.deps.events.headPosition().catch(() => undefined),
      this.deps.parked.count(this.name).catch(() => undefined),
    ]);
    return {
      name: this.name,
      version: this.projection.version,
      build: this.build,
      state: this.state,
      position: this.position,
      head,
      lag: head !== undefined && head > this.position ? head - this.position : 0n,
      parked,
      parkedTotal: this.parkedTotal,
      lastError: this.lastError,
    };
  }

  private serial<R>(fn: () => Promise<R>): Promise<R> {
    const result = this.queue.then(fn);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private key(suffix: string, build = this.build) {
    return `projection:${this.name}:build:${build}:${suffix}`;
  }

  /** Reads (or repairs) the build bookkeeping; reloads the position at every `start`. */
  private async prepare(reload: boolean): Promise<void> {
    if (this.prepared && !reload) return;
    if (!this.stores) {
      const entries = await Promise.all(
        Object.entries(this.projection.readModels).map(async ([key, model]) => [
          key,
          await this.deps.readStores.open(model),
        ]),
      );
      this.stores = Object.fromEntries(entries) as ReadStoresOf<M>;
    }
    const { checkpoints } = this.deps;
    const build = await checkpoints.load(`projection:${this.name}:build`);
    const builtVersion = build === undefined ? undefined : await checkpoints.load(this.key('version', build));
    if (builtVersion !== BigInt(this.projection.version)) {
      if (build !== undefined)
        this.logger.info(`projection ${this.name} version changed, rebuilding`, {
          from: builtVersion === undefined ? undefined : Number(builtVersion),
          to: this.projection.version,
        });
      this.build = build ?? 0n;
      await this.startBuild();
    } else {
      this.build = build!;
      const position = await checkpoints.load(this.key('position'));
      if (position === undefined)
        await this.resetReadModels(); // a build that crashed before its first batch
      else this.position = position;
    }
    this.prepared = true;
  }

  private async startBuild(): Promise<void> {
    const next = this.build + 1n;
    await this.deps.checkpoints.save(`projection:${this.name}:build`, next);
    await this.deps.checkpoints.save(this.key('version', next), BigInt(this.projection.version));
    this.build = next;
    await this.resetReadModels();
  }

  private async resetReadModels(): Promise<void> {
    await Promise.all(Object.values(this.stores!).map((s) => s.clear()));
    await this.deps.parked.clear(this.name);
    this.position = 0n;
  }

  /** One batch; returns how many events were read. */
  private async runBatch(): Promise<number> {
    const events = await this.deps.events.readAll(this.position, this.options.batchSize);
    let done = this.position;
    try {
      for (const event of events) {
        if (this.handles.has(event.type)) await this.applyOrPark(event);
        done = event.position;
      }
    } finally {
      if (done !== this.position) {
        await this.deps.checkpoints.save(this.key('position'), done);
        this.position = done;
      }
    }
    if (this.state === 'failing') this.state = 'running';
    this.lastError = undefined;
    return events.length;
  }

  private async applyOrPark(event: RecordedEvent): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (this.loop.halted) throw new LoopStopping();
      try {
        await this.projection.apply(event, this.stores!);
        return;
      } catch (err) {
        if (isOutage(err)) throw err;
        if (attempt >= this.options.maxAttempts) return this.park(event, err, attempt);
        await this.loop.sleep(backoff(attempt, this.options.retryDelayMs, this.options.maxDelayMs));
      }
    }
  }

  private async park(event: RecordedEvent, err: unknown, attempts: number): Promise<void> {
    const error = describeError(err);
    await this.deps.parked.park({
      consumer: this.name,
      eventId: event.id,
      type: event.type,
      stream: event.stream,
      revision: event.revision,
      position: event.position,
      error,
      attempts,
      parkedAt: this.clock.now(),
    });
    this.parkedTotal++;
    this.logger.error(`projection ${this.name} parked event ${event.id}`, {
      type: event.type,
      stream: event.stream,
      position: event.position.toString(),
      attempts,
      error,
    });
  }
}
