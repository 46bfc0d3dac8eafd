/** Injection token of the gateway's `TokenBucketLimiter` (the `/api/v2` rate limiter). */
export const RATE_LIMITER = Symbol('RATE_LIMITER');

/** Injection token of the rate limiter's clock (`() => ms`, monotonic); tests replace it. */
export const RATE_LIMIT_CLOCK = Symbol('RATE_LIMIT_CLOCK');

/**
 * Injection token of the failed-authentication limiter (`TokenBucketLimiter | null`): per client address, the
 * budget of refused credentials. `null` when it is turned off.
 */
export const AUTH_FAILURE_LIMITER = Symbol('AUTH_FAILURE_LIMITER');
