/** `X-RateLimit-Reset`: seconds, fractional, rounded up to the millisecond (never 0 on a refusal). */
export const resetSeconds = (retryAfterMs: number): string =>
  String(Math.max(1, Math.ceil(retryAfterMs)) / 1000);
