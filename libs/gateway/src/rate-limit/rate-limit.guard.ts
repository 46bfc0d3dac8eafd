import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  Logger,
  type Provider,
} from '@nestjs/common';
import { APP_GUARD, Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { performance } from 'node:perf_hooks';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import { JsonApiException } from '../errors/json-api-error';
import { API_PREFIX } from '../http/json-api-controller';
import { PUBLIC_ROUTE, requestContextOf } from '../http/request-context';
import { authFailureLimiterProvider } from './auth-failure-limit';
import { resetSeconds } from './rate-limit-headers';
import { rateLimitKey } from './rate-limit-key';
import { RATE_LIMIT_CLOCK, RATE_LIMITER } from './rate-limit.tokens';
import { TokenBucketLimiter } from './token-bucket';

const API_ROOT = `/${API_PREFIX}`;

/** Whether a matched route belongs to the `/api/v2` surface (the route pattern, not the raw URL, decides). */
const isApiRoute = (request: FastifyRequest): boolean => {
  const route = request.routeOptions?.url ?? '';
  return route === API_ROOT || route.startsWith(`${API_ROOT}/`);
};

export { resetSeconds };

/** TFC's 429 (TFC-API §1.4, §1.8), with the allowed rate and the time until a request may pass again. */
export const tooManyRequests = (limit: number, retryAfterMs: number): JsonApiException =>
  new JsonApiException(
    429,
    [{ title: 'Too many requests', detail: "You have exceeded the API's rate limit." }],
    {
      headers: { 'X-RateLimit-Limit': String(limit), 'X-RateLimit-Reset': resetSeconds(retryAfterMs) },
    },
  );

/**
 * Rate limiting of `/api/v2` (TFC-API §1.8): `API_RATE_LIMIT` requests per second with a burst of as many, per user for
 * authenticated requests (all of a user's credentials share it), per organization for its organization token, per
 * client address (IPv6: per /64) otherwise. Excess: 429 `Too many requests` with `X-RateLimit-Limit` and
 * `X-RateLimit-Reset` (seconds until a request may pass, fractional). `API_RATE_LIMITING_ENABLED=false` turns it off.
 *
 * A global guard (`APP_GUARD`) that must be registered **after** `AuthenticationGuard` — global guards run in
 * registration order, and the principal it buckets by is set by that guard. Routes outside `/api/v2` (ops probes,
 * discovery, docs, the IACT `/admin/*` bootstrap) and RPC handlers are never limited. A request the authentication
 * guard refuses (401) stops there and is not counted.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly logger = new Logger('RateLimitGuard');
  private misorderReported = false;

  constructor(
    private readonly reflector: Reflector,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(RATE_LIMITER) private readonly limiter: TokenBucketLimiter,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (!this.config.rateLimitingEnabled || context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (!isApiRoute(request)) return true;
    const ctx = requestContextOf(request);
    if (!ctx.principal) this.checkOrder(context);
    const decision = this.limiter.take(rateLimitKey(ctx));
    if (decision.allowed) return true;
    throw tooManyRequests(this.config.rateLimit, decision.retryAfterMs);
  }

  /**
   * An authenticated route without a principal means this guard ran before `AuthenticationGuard` (registered
   * before it): users would be bucketed by address. Said once, loudly; the request is limited by address.
   */
  private checkOrder(context: ExecutionContext): void {
    if (this.misorderReported) return;
    const isPublic = this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return;
    this.misorderReported = true;
    this.logger.error(
      'RateLimitGuard ran before AuthenticationGuard: register its APP_GUARD after the authentication one',
    );
  }
}

/** The limiter, built from `GatewayConfig` (`rateLimit`, `rateLimitMaxKeys`) and `RATE_LIMIT_CLOCK`. */
export const rateLimiterProvider: Provider = {
  provide: RATE_LIMITER,
  inject: [GATEWAY_CONFIG, RATE_LIMIT_CLOCK],
  useFactory: (config: GatewayConfig, now: () => number) =>
    new TokenBucketLimiter({ ratePerSecond: config.rateLimit, maxKeys: config.rateLimitMaxKeys, now }),
};

/**
 * Everything rate limiting needs, for a module's `providers`, **after** the `APP_GUARD` of `AuthenticationGuard`:
 * the clock (monotonic), the limiter, the failed-authentication limiter (`AuthenticationGuard` uses it) and the
 * global guard.
 */
export const rateLimitProviders: Provider[] = [
  { provide: RATE_LIMIT_CLOCK, useValue: () => performance.now() },
  rateLimiterProvider,
  // Read by AuthenticationGuard (refused credentials per client address), not by RateLimitGuard.
  authFailureLimiterProvider,
  { provide: APP_GUARD, useClass: RateLimitGuard },
];
