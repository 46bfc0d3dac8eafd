import type { RequestMeta } from '@idp/contracts';
import type { EventMetadata } from '@idp/eventing';
import type { Actor } from '../domain/organization/organization.types';

/**
 * Who asks, as the organization aggregate knows actors: a user (session or user token; a user token's lifetime from
 * `meta.actor.userToken`), an organization's own token, or a team's token. Anything else (no actor, `anonymous`, a
 * `system` claim from outside) is `undefined`: such a caller sees no organization at all and cannot create one.
 * `system` is only ever set by this service's own process manager, never taken from a request.
 */
export const actorOf = (meta: RequestMeta | undefined): Actor | undefined => {
  const actor = meta?.actor;
  if (!actor?.id) return undefined;
  if (actor.kind === 'user') {
    // The user token the request presented (ADR 012): organizations' `user` token TTL policies bound its lifetime.
    const token = actor.userToken;
    return token
      ? {
          kind: 'user',
          userId: actor.id,
          userToken: { createdAt: token.createdAt, expiredAt: token.expiredAt },
        }
      : { kind: 'user', userId: actor.id };
  }
  if (actor.kind === 'organization') return { kind: 'organization', organizationId: actor.id };
  if (actor.kind === 'team') return { kind: 'team', teamId: actor.id };
  return undefined;
};

/** The process manager's actor (sign-up acceptance, account deletion). */
export const SYSTEM_ACTOR: Actor = { kind: 'system' };

/** Envelope metadata copied from a request onto the events it causes (audit, correlation, tracing). */
export const metadataOf = (meta: RequestMeta | undefined): EventMetadata => {
  const { actor, correlationId, traceparent } = meta ?? {};
  return {
    ...(actor ? { actor } : {}),
    ...(correlationId ? { correlationId } : {}),
    ...(traceparent ? { traceparent } : {}),
  };
};
