import { type MailReceipt, type Mailer, MailError, type OutgoingMail } from './mailer.port';

export interface RetryOptions {
  /** Tries in all, the first included (default 4). 1 means no retry. */
  attempts?: number;
  /** Delay scale before the first retry; doubles per retry (default 250 ms). */
  baseDelayMs?: number;
  /** Upper bound of any one delay (default 10 s). */
  maxDelayMs?: number;
  /** Injected for tests; defaults to a timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Injected for tests; a number in [0, 1). */
  random?: () => number;
  /** Called before each wait, e.g. to log or count retries. */
  onRetry?: (info: { attempt: number; delayMs: number; error: MailError }) => void;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Retries a `Mailer`'s transient failures in-process: a refused connection during a mail-server restart,
 * a 451 from a busy server. Bounded, so a consumer is never held long: after `attempts` tries the last
 * `TransientMailError` propagates and the caller (the notification consumer) decides — redelivery later,
 * or parking. `PermanentMailError` and anything that is not a `MailError` propagate at once.
 *
 * Delays are exponential with "equal jitter": retry n waits between half and all of
 * min(maxDelayMs, baseDelayMs · 2^(n-1)), so replicas that failed together do not retry together, and no wait
 * collapses to zero.
 */
export class RetryingMailer implements Mailer {
  private readonly attempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(
    private readonly inner: Mailer & { close?(): Promise<void> },
    private readonly options: RetryOptions = {},
  ) {
    this.attempts = options.attempts ?? 4;
    this.baseDelayMs = options.baseDelayMs ?? 250;
    this.maxDelayMs = options.maxDelayMs ?? 10_000;
    if (!Number.isInteger(this.attempts) || this.attempts < 1)
      throw new RangeError(`attempts must be a positive integer, got ${this.attempts}`);
    if (!(this.baseDelayMs >= 0) || !(this.maxDelayMs >= 0))
      throw new RangeError('baseDelayMs and maxDelayMs must not be negative');
    this.sleep = options.sleep ?? realSleep;
    this.random = options.random ?? Math.random;
  }

  async send(message: OutgoingMail): Promise<MailReceipt> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.inner.send(message);
      } catch (err) {
        if (!(err instanceof MailError) || !err.transient || attempt >= this.attempts) throw err;
        const delayMs = this.delayBefore(attempt);
        this.options.onRetry?.({ attempt, delayMs, error: err });
        await this.sleep(delayMs);
      }
    }
  }

  /** The wait after failed attempt `attempt` (1-based). */
  delayBefore(attempt: number): number {
    const cap = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(cap / 2 + (this.random() * cap) / 2);
  }

  async close(): Promise<void> {
    await this.inner.close?.();
  }
}
