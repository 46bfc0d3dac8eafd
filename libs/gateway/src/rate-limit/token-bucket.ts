/** The outcome of one `TokenBucketLimiter.take`. */
export type RateLimitDecision =
  | { allowed: true; remaining: number }
  | {
      allowed: false;
      remaining: 0;
      /** Milliseconds until one token is available again (> 0). */
      retryAfterMs: number;
    };

export interface TokenBucketOptions {
  /** Tokens added per second, continuously (the rate: requests per second). */
  ratePerSecond: number;
  /** Bucket size: how many requests may come at once after a quiet period. Default: `ratePerSecond`. */
  burst?: number;
  /** Most buckets held; beyond it the least recently used is dropped (it comes back full). */
  maxKeys: number;
  /** Milliseconds from any fixed origin; should be monotonic (a clock going back is treated as standing still). */
  now: () => number;
}

/** Floating-point slack: refilling in many small steps must not leave a bucket a hair short of a token. */
const EPSILON = 1e-9;

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date (clock ms). */
  updatedAt: number;
}

/**
 * Token buckets, one per key, refilled continuously at `ratePerSecond` up to `burst`. Pure and in memory: the
 * clock is injected, nothing runs in the background.
 *
 * Memory is bounded by `maxKeys`. Buckets are kept in least-recently-used order (a `Map` re-inserted on use), and
 * each `take` first drops the buckets idle long enough to have refilled completely — such a bucket is identical
 * to no bucket, so that eviction loses nothing and steady traffic from many keys costs O(1) amortised. When the
 * bound is still reached, the least recently used bucket goes (its key gets a full bucket when it comes back).
 */
export class TokenBucketLimiter {
  readonly ratePerSecond: number;
  readonly burst: number;
  readonly maxKeys: number;
  private readonly now: () => number;
  /** How long an untouched bucket takes to refill from empty: idle longer, it is full. */
  private readonly fullRefillMs: number;
  private readonly buckets = new Map<string, Bucket>();

  constructor(options: TokenBucketOptions) {
    const { ratePerSecond, maxKeys, now } = options;
    const burst = options.burst ?? ratePerSecond;
    if (!(Number.isFinite(ratePerSecond) && ratePerSecond > 0))
      throw new RangeError(`ratePerSecond must be a positive number, got ${ratePerSecond}`);
    if (!(Number.isFinite(burst) && burst >= 1))
      throw new RangeError(`burst must be at least 1, got ${burst}`);
    if (!(Number.isSafeInteger(maxKeys) && maxKeys >= 1))
      throw new RangeError(`maxKeys must be a positive integer, got ${maxKeys}`);
    this.ratePerSecond = ratePerSecond;
    this.burst = burst;
    this.maxKeys = maxKeys;
    this.now = now;
    this.fullRefillMs = (burst / ratePerSecond) * 1000;
  }

  /** Takes one token from `key`'s bucket if it has one. */
  take(key: string): RateLimitDecision {
    const now = this.now();
    this.sweep(now);
    let bucket = this.buckets.get(key);
    if (bucket) {
      this.buckets.delete(key); // re-inserted below: most recently used last
      const elapsedMs = Math.max(0, now - bucket.updatedAt);
      bucket.tokens = Math.min(this.burst, bucket.tokens + (elapsedMs * this.ratePerSecond) / 1000);
      bucket.updatedAt = Math.max(bucket.updatedAt, now);
    } else {
      this.evictLeastRecentlyUsed();
      bucket = { tokens: this.burst, updatedAt: now };
    }
    this.buckets.set(key, bucket);

    if (bucket.tokens >= 1 - EPSILON) {
      bucket.tokens = Math.max(0, bucket.tokens - 1);
      return { allowed: true, remaining: Math.floor(bucket.tokens) };
    }
    return { allowed: false, remaining: 0, retryAfterMs: ((1 - bucket.tokens) * 1000) / this.ratePerSecond };
  }

  /**
   * Whether `key`'s bucket has a token, without taking it: nothing is created, consumed or reordered. For budgets
   * that only some outcomes draw from (failed credential checks): `peek` before the work, `take` after a failure.
   */
  peek(key: string): RateLimitDecision {
    const bucket = this.buckets.get(key);
    if (!bucket) return { allowed: true, remaining: Math.floor(this.burst) };
    const elapsedMs = Math.max(0, this.now() - bucket.updatedAt);
    const tokens = Math.min(this.burst, bucket.tokens + (elapsedMs * this.ratePerSecond) / 1000);
    if (tokens >= 1 - EPSILON) return { allowed: true, remaining: Math.floor(tokens) };
    return { allowed: false, remaining: 0, retryAfterMs: ((1 - tokens) * 1000) / this.ratePerSecond };
  }

  /** How many buckets are held (for tests and metrics). */
  get size(): number {
    return this.buckets.size;
  }

  /** Drops every bucket. */
  clear(): void {
    this.buckets.clear();
  }

  /** Drops the least recently used buckets that have been idle long enough to be full again. */
  private sweep(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (now - bucket.updatedAt < this.fullRefillMs) return;
      this.buckets.delete(key);
    }
  }

  private evictLeastRecentlyUsed(): void {
    while (this.buckets.size >= this.maxKeys) {
      const oldest = this.buckets.keys().next();
      if (oldest.done) return;
      this.buckets.delete(oldest.value);
    }
  }
}
