/** Injection token of the gateway's `TokenBucketLimiter` (the `/api/v2` rate limiter). */
export const RATE_LIMITER = Symbol('RATE_LIMITER');

/** Injection token of the rate limiter's clock (`() => ms`, monotonic); tests replace it. */
export const RATE_LIMIT_CLOCK = Symbol('RATE_LIMIT_CLOCK');
