import type { CheckpointStore } from '../event-store/checkpoint-store.port';
import type { Position, RecordedEvent } from '../event-store/event';
import type { EventStore } from '../event-store/event-store.port';
import { describeError } from '../projection/parked-event.store';
import { consoleRunnerLogger, TailLoop, type RunnerLogger } from '../projection/tail-loop';
import { toEventMessage } from './event-message';
import type { EventPublisher } from './event-publisher.port';

/**
 * Which stored events leave the service, and as what: return the event to publish (the same or an
 * integration-event mapping of it), or `undefined` to keep it private. Must be pure and deterministic:
 * a batch published again after a crash must map to the same messages.
 */
export type RelaySelector = (event: RecordedEvent) => RecordedEvent | undefined;

/** Publishes only the listed event types, unchanged. */
export const publicTypes =
  (...types: string[]): RelaySelector =>
  (event) =>
    types.includes(event.type) ? event : undefined;

export interface EventRelayOptions {
  /** The service's topic, e.g. `identity.events`. */
  topic: string;
  /** Checkpoint name. Default `relay:<topic>`. */
  checkpointName?: string;
  /** Default: every stored event is published unchanged. */
  select?: RelaySelector;
  /** Events read (and published in one call) per batch. Default 200. */
  batchSize?: number;
  /** Longest wait for new events without `notify()`. Default 1000 ms. */
  pollIntervalMs?: number;
  /** Cap of the back-off while publishing fails. Default 5000 ms. */
  maxDelayMs?: number;
}

export interface EventRelayDeps {
  events: EventStore;
  publisher: EventPublisher;
  checkpoints: CheckpointStore;
  logger?: RunnerLogger;
}

export interface EventRelayStatus {
  topic: string;
  state: 'stopped' | 'running' | 'failing';
  position: Position;
  head: Position | undefined;
  lag: bigint;
  /** Messages published by this relay since it was created (duplicates after a retry included). */
  publishedTotal: number;
  lastError: string | undefined;
}

/**
 * Tails the store's global order from a persisted checkpoint and publishes each (public) event to the
 * service's topic, keyed by stream.
 *
 * At-least-once, never a dual write: a batch is published, THEN its checkpoint saved. A failure or a kill
 * anywhere in between leaves the checkpoint before the batch, so the restarted relay publishes it again
 * (duplicates, never loss; consumers dedupe by event id, see `ProcessedEvents`). A failing publish is retried
 * with back-off forever — skipping would break per-key order — and shows in `status()` for alerting.
 * The checkpoint advances over private events too, so they are read once, not at every poll.
 */
export class EventRelay {
  private readonly options: Required<Omit<EventRelayOptions, 'select'>> & { select: RelaySelector };
  private readonly logger: RunnerLogger;
  private readonly loop: TailLoop;
  private position: Position | undefined;
  private state: EventRelayStatus['state'] = 'stopped';
  private publishedTotal = 0;
  private lastError: string | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: EventRelayDeps,
    options: EventRelayOptions,
  ) {
    if (!options.topic) throw new Error('relay needs a topic');
    this.options = {
      topic: options.topic,
      checkpointName: options.checkpointName ?? `relay:${options.topic}`,
      select: options.select ?? ((e) => e),
      batchSize: options.batchSize ?? 200,
      pollIntervalMs: options.pollIntervalMs ?? 1000,
      maxDelayMs: options.maxDelayMs ?? 5000,
    };
    this.logger = deps.logger ?? consoleRunnerLogger;
    this.loop = new TailLoop(
      async () => (await this.serial(() => this.relayBatch())) === this.options.batchSize,
      { pollIntervalMs: this.options.pollIntervalMs, maxBackoffMs: this.options.maxDelayMs },
      (err, failures) => {
        this.state = 'failing';
        this.lastError = describeError(err);
        if (failures === 1 || failures % 10 === 0)
          this.logger.warn(`relay to ${this.options.topic} failing, retrying`, {
            error: this.lastError,
            failures,
          });
      },
    );
  }

  /** Loads the checkpoint and starts tailing. Idempotent. */
  async start(): Promise<void> {
    if (this.loop.running) return;
    this.loop.resume();
    await this.serial(() => this.loadCheckpoint(true));
    this.state = 'running';
    this.loop.start();
  }

  /** Stops after the current batch (a batch published but not yet checkpointed is published again later). */
  async stop(): Promise<void> {
    await this.loop.stop();
    await this.queue;
    this.state = 'stopped';
  }

  /** Wakes the relay now (call after appending). */
  notify(): void {
    this.loop.notify();
  }

  /** Publishes everything up to the head as of this call (tests, shutdown drains). Throws on failure. */
  async catchUp(): Promise<void> {
    await this.serial(() => this.loadCheckpoint(false));
    const head = await this.deps.events.headPosition();
    while (head !== undefined && this.position! < head) {
      if ((await this.serial(() => this.relayBatch())) === 0) break;
    }
  }

  async status(): Promise<EventRelayStatus> {
    const head = await this.deps.events.headPosition().catch(() => undefined);
    const position = this.position ?? 0n;
    return {
      topic: this.options.topic,
      state: this.state,
      position,
      head,
      lag: head !== undefined && head > position ? head - position : 0n,
      publishedTotal: this.publishedTotal,
      lastError: this.lastError,
    };
  }

  private serial<R>(fn: () => Promise<R>): Promise<R> {
    const result = this.queue.then(fn);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async loadCheckpoint(reload: boolean) {
    if (this.position === undefined || reload)
      this.position = (await this.deps.checkpoints.load(this.options.checkpointName)) ?? 0n;
  }

  private async relayBatch(): Promise<number> {
    const events = await this.deps.events.readAll(this.position!, this.options.batchSize);
    if (events.length === 0) return 0;
    const messages = events.flatMap((e) => {
      const selected = this.options.select(e);
      return selected ? [toEventMessage(selected)] : [];
    });
    if (messages.length) await this.deps.publisher.publish(this.options.topic, messages);
    this.publishedTotal += messages.length;
    const last = events[events.length - 1]!.position;
    await this.deps.checkpoints.save(this.options.checkpointName, last);
    this.position = last;
    if (this.state === 'failing') this.state = 'running';
    this.lastError = undefined;
    return events.length;
  }
}
