import { ORGANIZATION_TOKEN_KINDS, type OrganizationTokenKind, TOKEN } from '@idp/contracts';
import { sha256Hex } from '@idp/eventing';
import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  Logger,
  Optional,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ServiceClient } from '../bus/service-client';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import { notFound, unauthorized } from '../errors/json-api-error';
import { API_PREFIX } from '../http/json-api-controller';
import { type Principal, PUBLIC_ROUTE, type RequestContext, requestContextOf } from '../http/request-context';
import { tooManyAuthenticationFailures } from '../rate-limit/auth-failure-limit';
import { clientNetwork } from '../rate-limit/rate-limit-key';
import { AUTH_FAILURE_LIMITER } from '../rate-limit/rate-limit.tokens';
import type { TokenBucketLimiter } from '../rate-limit/token-bucket';
import { AUTH_CLOCK, CREDENTIAL_CACHE } from './auth.tokens';
import type { CredentialCache } from './credential-cache';
import { presentedCredential } from './session-cookie';
import { assertMayUseWithoutSecondFactor } from './two-factor-step';

const API_ROOT = `/${API_PREFIX}`;

/** Whether a matched route belongs to the `/api/v2` surface (the route pattern, not the raw URL, decides). */
const isApiRoute = (request: FastifyRequest): boolean => {
  const route = request.routeOptions?.url ?? '';
  return route === API_ROOT || route.startsWith(`${API_ROOT}/`);
};

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const isKind = (v: unknown): v is OrganizationTokenKind =>
  typeof v === 'string' && (ORGANIZATION_TOKEN_KINDS as readonly string[]).includes(v);

const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** An API token's expiry: null (never) or an instant still ahead. */
const liveExpiry = (expiresAt: unknown, now: number): expiresAt is string | null =>
  expiresAt === null || (typeof expiresAt === 'string' && Date.parse(expiresAt) > now);

/** The token service's answer, checked: anything but a well-formed, unexpired credential is no principal. */
export const principalFrom = (reply: unknown, now: number): Principal | undefined => {
  if (!isRecord(reply)) return undefined;
  const { userId, expiresAt } = reply;
  if (reply.kind === 'session') {
    const { sessionId } = reply;
    if (!nonEmpty(userId) || !nonEmpty(sessionId)) return undefined;
    if (typeof expiresAt !== 'string' || !(Date.parse(expiresAt) > now)) return undefined;
    const { impersonatorId, impersonationReason } = reply;
    if (impersonatorId !== undefined) {
      // An impersonation session: both or it is no principal (the audit trail must name the admin and why).
      if (!nonEmpty(impersonatorId) || typeof impersonationReason !== 'string') return undefined;
      return { kind: 'session', userId, sessionId, expiresAt, impersonatorId, impersonationReason };
    }
    if (reply.twoFactorPending === true)
      return { kind: 'session', userId, sessionId, expiresAt, twoFactorPending: true };
    return { kind: 'session', userId, sessionId, expiresAt };
  }
  if (reply.kind === 'user-token') {
    // `createdAt` is required: without it no service could apply an organization's `user` token TTL policy (§5.4).
    const { tokenId, createdAt } = reply;
    if (!nonEmpty(userId) || !nonEmpty(tokenId) || !liveExpiry(expiresAt, now)) return undefined;
    if (!nonEmpty(createdAt) || Number.isNaN(Date.parse(createdAt))) return undefined;
    return { kind: 'user-token', userId, tokenId, expiresAt, createdAt };
  }
  if (reply.kind === 'organization-token') {
    const { tokenId, organizationId, organizationName, tokenKind } = reply;
    if (!nonEmpty(tokenId) || !nonEmpty(organizationId) || !nonEmpty(organizationName)) return undefined;
    if (!isKind(tokenKind) || !liveExpiry(expiresAt, now)) return undefined;
    return { kind: 'organization-token', organizationId, organizationName, tokenId, tokenKind, expiresAt };
  }
  if (reply.kind === 'team-token') {
    const { tokenId, teamId, organizationId } = reply;
    if (!nonEmpty(tokenId) || !nonEmpty(teamId) || !nonEmpty(organizationId)) return undefined;
    if (!liveExpiry(expiresAt, now)) return undefined;
    return { kind: 'team-token', teamId, organizationId, tokenId, expiresAt };
  }
  return undefined;
};

/**
 * Whether a principal may use the route at all. An `audit-trails` organization token may only read audit trails
 * (TFC), which this product does not serve yet: every route answers it 404 (a valid credential without permission,
 * TFC-API §1.4), so it can never act as its organization.
 */
const mayUseRoute = (principal: Principal): boolean =>
  principal.kind !== 'organization-token' || principal.tokenKind === 'organization';

/**
 * Authenticates every `/api/v2` route except those marked `@PublicRoute()` (registered as `APP_GUARD`; routes
 * outside `/api/v2` — ops probes, discovery, the IACT bootstrap — and RPC handlers pass untouched).
 *
 * The credential is `Authorization: Bearer <token>` or else the `idp_session` cookie. It is hashed (SHA-256) and
 * looked up in the `CredentialCache`; on a miss the token service verifies it (`token.verify-credential`), and
 * concurrent requests with the same credential share that one call. No credential, a malformed one, or an unknown,
 * ended or expired one: 401 `{"errors":[{"status":"401","title":"unauthorized"}]}`. The token service not answering
 * is a 503, never a 401 (a client must not drop its token for our outage). An `audit-trails` organization token is
 * a valid credential that may use no route here: 404.
 *
 * Guessing is throttled per client address (IPv6: per /64): each refused credential — malformed, unknown, ended
 * or expired — draws from a budget of `AUTH_FAILURE_LIMIT` per minute (`AUTH_FAILURE_LIMITER`); once it is spent,
 * every credential from that address is answered 429 before it is even hashed, until the budget refills. Accepted
 * credentials draw nothing; a request without any credential is a plain 401 and draws nothing either.
 */
@Injectable()
export class AuthenticationGuard implements CanActivate {
  private readonly logger = new Logger('AuthenticationGuard');
  /** Verifications under way, by credential hash, with the cache generation each started at. */
  private readonly inFlight = new Map<string, { call: Promise<Principal | undefined>; generation: number }>();

  constructor(
    private readonly reflector: Reflector,
    private readonly services: ServiceClient,
    @Inject(CREDENTIAL_CACHE) private readonly cache: CredentialCache,
    @Inject(AUTH_CLOCK) private readonly now: () => number,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Optional() @Inject(AUTH_FAILURE_LIMITER) private readonly failures: TokenBucketLimiter | null = null,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (!isApiRoute(request)) return true;
    const isPublic = this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;

    const presented = presentedCredential(request);
    if (!presented) throw unauthorized();
    const ctx = requestContextOf(request);
    const address = this.failures ? clientNetwork(ctx.ip) : '';
    if (this.failures) {
      const budget = this.failures.peek(address);
      if (!budget.allowed) throw tooManyAuthenticationFailures(this.config, budget.retryAfterMs);
    }
    if (presented.source === 'invalid') throw this.refused(address);
    const hash = sha256Hex(presented.token);
    const principal = this.cache.get(hash) ?? (await this.verify(hash, presented.token, ctx));
    // A user just suspended or deleted is refused even while the token service has not reacted yet (holdUser).
    if (!principal || this.cache.isHeld(principal)) throw this.refused(address);
    if (!mayUseRoute(principal)) throw notFound();
    assertMayUseWithoutSecondFactor(this.reflector, context, principal);
    ctx.principal = principal;
    ctx.credentialHash = hash;
    return true;
  }

  /** A refused credential: the 401, after drawing one from the address's budget of failures. */
  private refused(address: string) {
    this.failures?.take(address);
    return unauthorized();
  }

  /**
   * Asks the token service; concurrent requests with one credential share one call — unless an eviction happened
   * since it started (its answer may predate a revocation: a request arriving after the eviction asks anew). An
   * eviction while the token service answers (a revocation event overtaking the reply) must not be undone by
   * caching the answer either: the cache refuses it when its generation moved on.
   */
  private verify(hash: string, token: string, ctx: RequestContext): Promise<Principal | undefined> {
    const generation = this.cache.generation;
    const pending = this.inFlight.get(hash);
    if (pending?.generation === generation) return pending.call;
    const call = this.services
      .request(TOKEN.verifyCredential, { token }, { context: ctx, allowEmpty: true })
      .then((reply) => {
        const principal = principalFrom(reply, this.now());
        if (principal) this.cache.set(hash, principal, generation);
        else if (reply !== null && reply !== undefined)
          this.logger.warn('token.verify-credential answered something that is not a credential; refused');
        return principal;
      })
      .finally(() => {
        if (this.inFlight.get(hash)?.call === call) this.inFlight.delete(hash);
      });
    this.inFlight.set(hash, { call, generation });
    return call;
  }
}
