import type { Provider } from '@nestjs/common';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import { JsonApiException } from '../errors/json-api-error';
import { resetSeconds } from './rate-limit-headers';
import { AUTH_FAILURE_LIMITER, RATE_LIMIT_CLOCK } from './rate-limit.tokens';
import { TokenBucketLimiter } from './token-bucket';

/**
 * The budget of refused credentials per client address: `AUTH_FAILURE_LIMIT` per minute (a burst of as many,
 * refilled continuously), kept apart from the request rate limit. `null` when turned off (`AUTH_FAILURE_LIMIT=0`
 * or `API_RATE_LIMITING_ENABLED=false`). Its clock is the rate limiter's (`RATE_LIMIT_CLOCK`, monotonic).
 */
export const authFailureLimiterProvider: Provider = {
  provide: AUTH_FAILURE_LIMITER,
  inject: [GATEWAY_CONFIG, RATE_LIMIT_CLOCK],
  useFactory: (config: GatewayConfig, now: () => number): TokenBucketLimiter | null =>
    config.rateLimitingEnabled && config.authFailureLimit > 0
      ? new TokenBucketLimiter({
          ratePerSecond: config.authFailureLimit / 60,
          burst: config.authFailureLimit,
          maxKeys: config.rateLimitMaxKeys,
          now,
        })
      : null,
};

/**
 * The 429 for an address that spent its budget of refused credentials: TFC's rate-limit answer (go-tfe retries on
 * it after `X-RateLimit-Reset` seconds). `X-RateLimit-Limit` stays the API rate every response announces (go-tfe
 * reads it as requests per second); the detail names the reason.
 */
export const tooManyAuthenticationFailures = (
  config: Pick<GatewayConfig, 'rateLimit'>,
  retryAfterMs: number,
): JsonApiException =>
  new JsonApiException(
    429,
    [{ title: 'Too many requests', detail: 'Too many failed authentication attempts; retry later.' }],
    {
      headers: {
        'X-RateLimit-Limit': String(config.rateLimit),
        'X-RateLimit-Reset': resetSeconds(retryAfterMs),
      },
    },
  );
