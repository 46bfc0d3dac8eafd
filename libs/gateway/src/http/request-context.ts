import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { OrganizationTokenKind } from '@idp/contracts';
import { notFound, unauthorized } from '../errors/json-api-error';
import { type RequestUrl, requestUrlOf } from '../jsonapi/request-url';

/** Where the gateway's request hook leaves the configured public origin for `@CurrentUrl()`. */
export const PUBLIC_ORIGIN = Symbol('gateway.publicOrigin');

type WithOrigin = FastifyRequest & { [PUBLIC_ORIGIN]?: string };

/** The `RequestUrl` of a Fastify request, with the configured `PUBLIC_URL` as origin when set. */
export const currentUrlOf = (request: FastifyRequest): RequestUrl =>
  requestUrlOf(request, (request as WithOrigin)[PUBLIC_ORIGIN]);

/** Parameter decorator: the request's `RequestUrl`, for `paginate()` and links. */
export const CurrentUrl = createParamDecorator((_: unknown, ctx: ExecutionContext): RequestUrl =>
  currentUrlOf(ctx.switchToHttp().getRequest<FastifyRequest>()),
);

/** Metadata key of `@PublicRoute()`. */
export const PUBLIC_ROUTE = 'gateway:public-route';

/**
 * Marks a route (or a whole controller) that answers without authentication: ping, discovery, account creation,
 * login. The authentication guard skips these entirely (it does not even look at a credential): go-tfe's client
 * construction pings with whatever token it has.
 */
export const PublicRoute = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, true);

/** The caller a request was authenticated as (set by the authentication guard). */
export type Principal =
  | {
      /** A browser session (cookie or bearer). */
      kind: 'session';
      userId: string;
      sessionId: string;
      /** When the credential stops working (the token service's answer; refreshed on activity). */
      expiresAt: string;
      /**
       * An impersonation session (TFC-API §10): the site admin acting as `userId` and their reason. Every bus
       * message of the request carries both in `meta.actor`, so services record them on the events they append.
       */
      impersonatorId?: string;
      impersonationReason?: string;
      /** A password login still owing its second factor: only the two-factor routes and logout (`@TwoFactorStep`). */
      twoFactorPending?: true;
    }
  | {
      /** A user API token (TFC-API §4): acts as its user. */
      kind: 'user-token';
      userId: string;
      tokenId: string;
      /** Its `expired-at`, or null for a token that does not expire. */
      expiresAt: string | null;
      /**
       * When it was created: with `expiresAt`, its lifetime, which organizations' `user` token TTL policies bound
       * (TFC-API §5.4, ADR 012). Sent to services in `meta.actor.userToken`.
       */
      createdAt: string;
    }
  | {
      /**
       * An organization API token (TFC-API §5.3): acts as its organization (`meta.actor` `{kind:'organization'}`),
       * never as a user — routes about "my account" answer it 404 (`userIdOf`).
       */
      kind: 'organization-token';
      /** The `org-…` id (stable across renames): what services authorize by. */
      organizationId: string;
      /** The organization's name as the token service knows it: for display only (the synthetic service user). */
      organizationName: string;
      tokenId: string;
      /** `organization`, or `audit-trails` (refused on every route until audit trails exist). */
      tokenKind: OrganizationTokenKind;
      /** Its `expired-at`, or null for a token that does not expire. */
      expiresAt: string | null;
    }
  | {
      /**
       * A team API token (TFC-API §5.1): acts as its team (`meta.actor` `{kind:'team'}`), with the team's
       * organization access in its organization only (the membership service decides); never as a user.
       */
      kind: 'team-token';
      teamId: string;
      /** The team's `org-…` id as the token service recorded it. */
      organizationId: string;
      tokenId: string;
      /** Its `expired-at`, or null for a token that does not expire. */
      expiresAt: string | null;
    };

/** Whether a principal is a user (session or user token), as opposed to an organization's or a team's token. */
export const isUserPrincipal = (principal: Principal): principal is Extract<Principal, { userId: string }> =>
  principal.kind === 'session' || principal.kind === 'user-token';

/**
 * The user a request acts as, for routes that only make sense for a user (the account, sessions, user tokens): an
 * organization or team token is no user, and such routes do not exist for it — 404, as TFC answers an organization token
 * on the account endpoints (TFC-API §1.3, §1.4).
 */
export const userIdOf = (principal: Principal): string => {
  if (!isUserPrincipal(principal)) throw notFound();
  return principal.userId;
};

/**
 * What the gateway knows about one HTTP request, kept on the request itself: the correlation id (from a valid
 * `X-Request-Id` or generated), the client address, and — once the guard ran — the principal and the SHA-256 of
 * the credential it presented (never the credential itself). Handlers take it with `@CurrentContext()` and pass it
 * to every `ServiceClient.request`, which derives the bus message's `meta` from it. It is passed explicitly, never
 * found implicitly: no `AsyncLocalStorage` (on Node 20 its promise hooks tax every promise in the process).
 */
export interface RequestContext {
  correlationId: string;
  ip: string;
  principal?: Principal;
  credentialHash?: string;
}

const CONTEXT = Symbol('gateway.requestContext');

type WithContext = FastifyRequest & { [CONTEXT]?: RequestContext };

// Visible ASCII only, bounded as `RequestMeta.correlationId` is: anything else is replaced, never echoed.
const REQUEST_ID = /^[\x21-\x7e]{1,200}$/;

/** The request's context, created on first use. */
export const requestContextOf = (request: FastifyRequest): RequestContext => {
  const r = request as WithContext;
  if (r[CONTEXT]) return r[CONTEXT];
  const sent = request.headers?.['x-request-id'];
  const correlationId = typeof sent === 'string' && REQUEST_ID.test(sent) ? sent : randomUUID();
  const ip = (request.ip ?? request.socket?.remoteAddress ?? '').slice(0, 100);
  r[CONTEXT] = { correlationId, ip };
  return r[CONTEXT];
};

/**
 * Parameter decorator: the authenticated caller. Only on routes behind the authentication guard (every `/api/v2`
 * route without `@PublicRoute()`); elsewhere a 401, never an undefined principal.
 */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const principal = requestContextOf(ctx.switchToHttp().getRequest<FastifyRequest>()).principal;
  if (!principal) throw unauthorized();
  return principal;
});

/**
 * Parameter decorator: the request's `RequestContext` (correlation id, client address, and on authenticated routes
 * the principal the guard set), for `ServiceClient.request(pattern, payload, { context })` and the helpers a
 * handler hands it down to. Public routes get it too (without a principal).
 */
export const CurrentContext = createParamDecorator((_: unknown, ctx: ExecutionContext): RequestContext =>
  requestContextOf(ctx.switchToHttp().getRequest<FastifyRequest>()),
);
