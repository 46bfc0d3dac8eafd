import { TOKEN } from '@idp/contracts';
import { sha256Hex } from '@idp/eventing';
import { type CanActivate, type ExecutionContext, Inject, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ServiceClient } from '../bus/service-client';
import { unauthorized } from '../errors/json-api-error';
import { API_PREFIX } from '../http/json-api-controller';
import { type Principal, PUBLIC_ROUTE, type RequestContext, requestContextOf } from '../http/request-context';
import { AUTH_CLOCK, CREDENTIAL_CACHE } from './auth.tokens';
import type { CredentialCache } from './credential-cache';
import { presentedCredential } from './session-cookie';

const API_ROOT = `/${API_PREFIX}`;

/** Whether a matched route belongs to the `/api/v2` surface (the route pattern, not the raw URL, decides). */
const isApiRoute = (request: FastifyRequest): boolean => {
  const route = request.routeOptions?.url ?? '';
  return route === API_ROOT || route.startsWith(`${API_ROOT}/`);
};

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The token service's answer, checked: anything but a well-formed, unexpired session is no principal. */
const principalFrom = (reply: unknown, now: number): Principal | undefined => {
  if (!isRecord(reply)) return undefined;
  const { userId, expiresAt } = reply;
  if (typeof userId !== 'string' || !userId) return undefined;
  if (reply.kind === 'session') {
    const { sessionId } = reply;
    if (typeof sessionId !== 'string' || !sessionId) return undefined;
    if (typeof expiresAt !== 'string' || !(Date.parse(expiresAt) > now)) return undefined;
    return { kind: 'session', userId, sessionId, expiresAt };
  }
  if (reply.kind === 'user-token') {
    const { tokenId } = reply;
    if (typeof tokenId !== 'string' || !tokenId) return undefined;
    if (expiresAt !== null && (typeof expiresAt !== 'string' || !(Date.parse(expiresAt) > now)))
      return undefined;
    return { kind: 'user-token', userId, tokenId, expiresAt: expiresAt as string | null };
  }
  return undefined;
};

/**
 * Authenticates every `/api/v2` route except those marked `@PublicRoute()` (registered as `APP_GUARD`; routes
 * outside `/api/v2` — ops probes, discovery, the IACT bootstrap — and RPC handlers pass untouched).
 *
 * The credential is `Authorization: Bearer <token>` or else the `idp_session` cookie. It is hashed (SHA-256) and
 * looked up in the `CredentialCache`; on a miss the token service verifies it (`token.verify-credential`), and
 * concurrent requests with the same credential share that one call. No credential, a malformed one, or an unknown,
 * ended or expired one: 401 `{"errors":[{"status":"401","title":"unauthorized"}]}`. The token service not answering
 * is a 503, never a 401 (a client must not drop its token for our outage).
 */
@Injectable()
export class AuthenticationGuard implements CanActivate {
  private readonly logger = new Logger('AuthenticationGuard');
  private readonly inFlight = new Map<string, Promise<Principal | undefined>>();

  constructor(
    private readonly reflector: Reflector,
    private readonly services: ServiceClient,
    @Inject(CREDENTIAL_CACHE) private readonly cache: CredentialCache,
    @Inject(AUTH_CLOCK) private readonly now: () => number,
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
    if (!presented || presented.source === 'invalid') throw unauthorized();
    const ctx = requestContextOf(request);
    const hash = sha256Hex(presented.token);
    const principal = this.cache.get(hash) ?? (await this.verify(hash, presented.token, ctx));
    if (!principal) throw unauthorized();
    ctx.principal = principal;
    ctx.credentialHash = hash;
    return true;
  }

  private verify(hash: string, token: string, ctx: RequestContext): Promise<Principal | undefined> {
    const pending = this.inFlight.get(hash);
    if (pending) return pending;
    const call = this.services
      .request(TOKEN.verifyCredential, { token }, { context: ctx, allowEmpty: true })
      .then((reply) => {
        const principal = principalFrom(reply, this.now());
        if (principal) this.cache.set(hash, principal);
        else if (reply !== null && reply !== undefined)
          this.logger.warn('token.verify-credential answered something that is not a credential; refused');
        return principal;
      })
      .finally(() => this.inFlight.delete(hash));
    this.inFlight.set(hash, call);
    return call;
  }
}
