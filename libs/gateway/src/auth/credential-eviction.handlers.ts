import { eventsTopic } from '@idp/contracts';
import { fromEventMessage } from '@idp/eventing';
import { Controller, Inject, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { CREDENTIAL_CACHE } from './auth.tokens';
import type { CredentialCache } from './credential-cache';

/** What one event removes from the verification cache. */
export type CredentialEviction =
  { by: 'session'; sessionId: string } | { by: 'token'; tokenId: string } | { by: 'user'; userId: string };

/** The topics the gateway evicts on. */
export type EvictionSource = 'token' | 'identity';

/** An event this cache must act on that lacks the identifier it acts by. */
export class MalformedEvictionEvent extends Error {
  constructor(type: string, field: string) {
    super(`${type} without a ${field}`);
    this.name = 'MalformedEvictionEvent';
  }
}

const idIn = (type: string, data: unknown, field: string): string => {
  const value =
    typeof data === 'object' && data !== null ? (data as Record<string, unknown>)[field] : undefined;
  if (typeof value !== 'string' || value.length === 0) throw new MalformedEvictionEvent(type, field);
  return value;
};

/**
 * The eviction an integration event calls for, or `undefined` for every other event (started sessions, created
 * tokens, unsuspensions, renames: nothing cached becomes wrong). Throws `MalformedEvictionEvent` when an event
 * that calls for one lacks its identifier.
 *
 * - `token.events` `SessionEnded` (logout, revocation, password reset, suspension, deletion, expiry) → the session;
 *   `UserTokenRevoked`, `OrganizationTokenRevoked` and `TeamTokenRevoked` (revoked, replaced, deleted with its
 *   team, organization or user) and `TeamTokenExpiryShortened` / `OrganizationTokenExpiryShortened` (an
 *   organization's token TTL policy moved its `expired-at` earlier, ADR 012) → the token; `UserTokensSuspended` →
 *   every credential of the user.
 * - `identity.events` `AccountSuspended` and `AccountDeleted` → every credential of the user. These arrive before
 *   the token service has reacted to them, so a request in between may verify and cache the credential again; the
 *   token service's own `SessionEnded` / `UserTokensSuspended` / `UserTokenRevoked` that follow evict it for good.
 */
export const evictionFor = (
  source: EvictionSource,
  type: string,
  data: unknown,
): CredentialEviction | undefined => {
  if (source === 'token') {
    switch (type) {
      case 'SessionEnded':
      // A completed second factor: the cached restricted principal must give way to the full one.
      case 'SessionTwoFactorCompleted':
        return { by: 'session', sessionId: idIn(type, data, 'sessionId') };
      case 'UserTokenRevoked':
      case 'OrganizationTokenRevoked':
      case 'TeamTokenRevoked':
      // An organization's token TTL policy (ADR 012) ended the token earlier: the cached `expiresAt` is too late.
      case 'TeamTokenExpiryShortened':
      case 'OrganizationTokenExpiryShortened':
        return { by: 'token', tokenId: idIn(type, data, 'tokenId') };
      case 'UserTokensSuspended':
        return { by: 'user', userId: idIn(type, data, 'userId') };
      default:
        return undefined;
    }
  }
  switch (type) {
    case 'AccountSuspended':
    case 'AccountDeleted':
      return { by: 'user', userId: idIn(type, data, 'userId') };
    default:
      return undefined;
  }
};

/** Applies an eviction to the cache. */
export const applyEviction = (cache: CredentialCache, eviction: CredentialEviction): void => {
  if (eviction.by === 'session') cache.evictSession(eviction.sessionId);
  else if (eviction.by === 'token') cache.evictToken(eviction.tokenId);
  else cache.evictUser(eviction.userId);
};

/**
 * Event-driven eviction of the verification cache (ADR 010): the token service's and the identity service's
 * events remove revoked credentials from **every** gateway's cache, not only from the one that handled the
 * revocation. Every gateway process must therefore see every event: distributed, each gateway consumes these
 * topics in a consumer group of its own, from the latest offset (`apps/gateway/src/main.ts`); embedded, the
 * in-process bus hands each event to every handler of the process, this one included.
 *
 * Never throws: a message that is not an event, or an event lacking its identifier, is logged and dropped (a
 * throw would have the bus redeliver it forever, and embedded it would redeliver it to the services' handlers of
 * the same topic too). An eviction is idempotent, so redeliveries are harmless.
 */
@Controller()
export class CredentialEvictionHandlers {
  private readonly logger = new Logger('gateway.credential-eviction');

  constructor(@Inject(CREDENTIAL_CACHE) private readonly cache: CredentialCache) {}

  @EventPattern(eventsTopic('token'))
  onTokenEvent(@Payload() value: unknown): void {
    this.handle('token', value);
  }

  @EventPattern(eventsTopic('identity'))
  onIdentityEvent(@Payload() value: unknown): void {
    this.handle('identity', value);
  }

  /**
   * A suspended or deleted user's credentials are refused from now on, before the token service has reacted
   * (`CredentialCache.holdUser`); an unsuspended user's are no longer refused here.
   */
  private holdOrRelease(type: string, data: unknown): void {
    if (type === 'AccountSuspended' || type === 'AccountDeleted')
      this.cache.holdUser(idIn(type, data, 'userId'));
    else if (type === 'AccountUnsuspended') this.cache.releaseUser(idIn(type, data, 'userId'));
  }

  private handle(source: EvictionSource, value: unknown): void {
    try {
      const event = fromEventMessage(typeof value === 'string' ? value : String(JSON.stringify(value)));
      if (source === 'identity') this.holdOrRelease(event.type, event.data);
      const eviction = evictionFor(source, event.type, event.data);
      if (!eviction) return;
      applyEviction(this.cache, eviction);
      this.logger.debug(`evicted by ${event.type} (${event.id})`);
    } catch (err) {
      this.logger.error(
        `dropped a message on ${eventsTopic(source)}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
}
