import type { RequestMeta } from '@idp/contracts';
import { BUS_CLIENT, type BusClient } from '@idp/eventing';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { type Observable, type Subscription, TimeoutError } from 'rxjs';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import type { Principal, RequestContext } from '../http/request-context';
import { type ReplyOf, type RequestOf, SERVICE_PATTERNS, type ServicePattern } from './service-messages';

/**
 * Who asks, as services see it: a user (session or user token), an organization (its organization token) or a team
 * (its team token). A user token also says which token and its lifetime (`userToken`: id, `created-at`,
 * `expired-at`), so the membership service can apply organizations' `user` token TTL policies (TFC-API §5.4,
 * ADR 012); a session never carries it.
 */
export const actorOf = (principal: Principal): NonNullable<RequestMeta['actor']> => {
  if (principal.kind === 'organization-token') return { kind: 'organization', id: principal.organizationId };
  if (principal.kind === 'team-token') return { kind: 'team', id: principal.teamId };
  if (principal.kind === 'user-token')
    return {
      kind: 'user',
      id: principal.userId,
      userToken: {
        tokenId: principal.tokenId,
        createdAt: principal.createdAt,
        expiredAt: principal.expiresAt,
      },
    };
  if (principal.kind === 'session' && principal.impersonatorId)
    return {
      kind: 'user',
      id: principal.userId,
      impersonatorId: principal.impersonatorId,
      impersonationReason: principal.impersonationReason ?? '',
    };
  return { kind: 'user', id: principal.userId };
};

/** `meta` of a bus message sent on behalf of a request: who asks (when authenticated), correlation id, address. */
export const requestMetaOf = (context: RequestContext | undefined): RequestMeta => {
  if (!context) return {};
  const meta: RequestMeta = { correlationId: context.correlationId };
  if (context.ip) meta.ip = context.ip;
  if (context.principal) meta.actor = actorOf(context.principal);
  return meta;
};

export interface ServiceRequestOptions {
  /**
   * The HTTP request this message is sent for (`@CurrentContext()` in the handler, handed down to helpers):
   * `meta` is taken from it. Required: there is no ambient request context to fall back on.
   */
  context: RequestContext;
  /** Accept a reply that completes without a value (answered as `undefined`); otherwise that is an error (500). */
  allowEmpty?: boolean;
  /**
   * Ask as this actor instead of the request's principal: `{kind:'system', id:'gateway'}` for the few system-only
   * questions the gateway asks on behalf of a rule (e.g. `membership.user-ownerships` before a user's deletion).
   */
  actor?: NonNullable<RequestMeta['actor']>;
}

/** A service replied with no value where one was expected: a bug on one side, answered as a 500. */
export class EmptyServiceReply extends Error {
  constructor(readonly pattern: string) {
    super(`${pattern} completed without a reply`);
    this.name = 'EmptyServiceReply';
  }
}

const NO_REPLY = Symbol('no reply');

/**
 * `firstValueFrom(reply$.pipe(timeout({ first: ms })), { defaultValue: NO_REPLY })`, without the two operators:
 * the first value, `NO_REPLY` if the reply completes without one, its error, or rxjs' `TimeoutError` (a 503 through
 * the exception filter) when nothing came within `ms`. Unsubscribes once settled. Per request this is one timer
 * instead of an rxjs scheduled action (a `setInterval`), and one subscription instead of three.
 */
const firstReply = <T>(reply$: Observable<T>, ms: number): Promise<T | typeof NO_REPLY> =>
  new Promise((resolve, reject) => {
    // Assigned once, but read by `settle` which a synchronous reply runs inside `subscribe` (before a const would exist).
    // eslint-disable-next-line prefer-const
    let subscription: Subscription | undefined;
    let settled = false;
    const settle = () => {
      settled = true;
      clearTimeout(timer);
      subscription?.unsubscribe();
    };
    const timer = setTimeout(() => {
      if (settled) return;
      settle();
      reject(new TimeoutError());
    }, ms);
    subscription = reply$.subscribe({
      next: (value) => {
        if (settled) return;
        settle();
        resolve(value);
      },
      error: (error: unknown) => {
        if (settled) return;
        settle();
        reject(error);
      },
      complete: () => {
        if (settled) return;
        settle();
        resolve(NO_REPLY);
      },
    });
    if (settled) subscription.unsubscribe();
  });

/**
 * The gateway's only way to the services: request-reply over the process's bus client (`BUS_CLIENT`, Kafka or
 * in-process), typed by the contracts. Every payload gets `meta` (actor, correlation id, client address) from
 * the request context the caller passes (`options.context`, required); every request times out after
 * `busTimeoutMs` (an rxjs `TimeoutError`: 503 through the exception filter). A service's domain error arrives as
 * its `{ code, message, details }` object and is rethrown untouched, so the filter maps it by code.
 */
@Injectable()
export class ServiceClient implements OnModuleInit {
  constructor(
    @Inject(BUS_CLIENT) private readonly bus: BusClient,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** Reply topics must be subscribed before the client connects (at its first send or the readiness probe). */
  onModuleInit(): void {
    for (const pattern of SERVICE_PATTERNS) this.bus.subscribeToResponseOf(pattern);
  }

  async request<P extends ServicePattern>(
    pattern: P,
    payload: RequestOf<P>,
    options: ServiceRequestOptions & { allowEmpty: true },
  ): Promise<ReplyOf<P> | undefined>;
  async request<P extends ServicePattern>(
    pattern: P,
    payload: RequestOf<P>,
    options: ServiceRequestOptions,
  ): Promise<ReplyOf<P>>;
  async request<P extends ServicePattern>(
    pattern: P,
    payload: RequestOf<P>,
    options: ServiceRequestOptions,
  ): Promise<ReplyOf<P> | undefined> {
    const meta = requestMetaOf(options.context);
    if (options.actor) meta.actor = options.actor;
    const reply = await firstReply(
      this.bus.send<ReplyOf<P>>(pattern, { ...payload, meta }),
      this.config.busTimeoutMs,
    );
    if (reply !== NO_REPLY) return reply as ReplyOf<P>;
    if (options.allowEmpty) return undefined;
    throw new EmptyServiceReply(pattern);
  }
}
