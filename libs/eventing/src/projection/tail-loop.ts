/** Minimal structured logger the runners need; pino, Nest's Logger or console fit behind it. */
export interface RunnerLogger {
  info(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

/* eslint-disable no-console -- the fallback when no logger is injected: parking must never be silent */
export const consoleRunnerLogger: RunnerLogger = {
  info: (m, d) => console.info(m, d ?? ''),
  warn: (m, d) => console.warn(m, d ?? ''),
  error: (m, d) => console.error(m, d ?? ''),
};
/* eslint-enable no-console */

export interface TailLoopOptions {
  /** Longest wait for new events without a `notify()`; bounds how stale a consumer in another process is. */
  pollIntervalMs: number;
  /** Cap of the exponential back-off after failing steps (an outage). */
  maxBackoffMs: number;
}

/** Thrown inside a step whose loop is stopping, to abandon retries without recording anything. */
export class LoopStopping extends Error {
  constructor() {
    super('stopping');
    this.name = 'LoopStopping';
  }
}

/** Exponential back-off: `base · 2^(attempt-1)`, capped. */
export const backoff = (attempt: number, baseMs: number, maxMs: number): number =>
  Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));

/**
 * The polling engine of the projection runner and the relay: runs `step` again at once while it reports more
 * work, otherwise waits for `notify()` or the poll interval; backs off exponentially while steps fail, and
 * stops promptly (every wait, including retry sleeps inside a step, is cut short by `stop()`). Timers are
 * unref'd and cleared on stop, so a stopped loop leaves nothing behind.
 */
export class TailLoop {
  private loop: Promise<void> | undefined;
  private stopping = false;
  /** A notify that arrived while a step ran: the next wait returns at once, so no wake-up is lost. */
  private woken = false;
  private readonly waiters = new Set<{ resolve: () => void; timer: NodeJS.Timeout; wakeable: boolean }>();

  constructor(
    private readonly step: () => Promise<boolean>,
    private readonly options: TailLoopOptions,
    private readonly onError: (err: unknown, failures: number) => void,
  ) {}

  get running(): boolean {
    return this.loop !== undefined && !this.stopping;
  }

  /** True between `stop()` being called and the next `start()`. */
  get halted(): boolean {
    return this.stopping;
  }

  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = this.run().finally(() => {
      this.loop = undefined;
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const w of [...this.waiters]) this.release(w);
    await this.loop;
  }

  /** Clears a halt left by `stop()` without starting the loop (for one-off catch-ups). */
  resume(): void {
    if (!this.loop) this.stopping = false;
  }

  notify(): void {
    this.woken = true;
    for (const w of [...this.waiters]) if (w.wakeable) this.release(w);
  }

  /** A sleep that `stop()` cuts short; throws `LoopStopping` when the loop is halting. */
  async sleep(ms: number): Promise<void> {
    if (this.stopping) throw new LoopStopping();
    await this.wait(ms, false);
    if (this.stopping) throw new LoopStopping();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      let more = false;
      try {
        this.woken = false;
        more = await this.step();
        failures = 0;
      } catch (err) {
        if (this.stopping) break;
        failures++;
        this.onError(err, failures);
        await this.wait(
          backoff(failures, Math.min(100, this.options.pollIntervalMs), this.options.maxBackoffMs),
          false,
        );
        continue;
      }
      if (!more && !this.woken) await this.wait(this.options.pollIntervalMs, true);
    }
  }

  private wait(ms: number, wakeable: boolean): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = { resolve, wakeable, timer: setTimeout(() => this.release(waiter), ms) };
      waiter.timer.unref();
      this.waiters.add(waiter);
    });
  }

  private release(waiter: { resolve: () => void; timer: NodeJS.Timeout }) {
    clearTimeout(waiter.timer);
    this.waiters.delete(waiter as never);
    waiter.resolve();
  }
}
