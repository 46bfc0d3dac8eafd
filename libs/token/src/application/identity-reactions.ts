import type { IdentityIntegrationEvent } from '@idp/contracts';
import type { EventMetadata, ProcessedEvents, RecordedEvent } from '@idp/eventing';
import type { EndAllOptions, SessionService } from './session.service';
import type { UserTokenService } from './user-token.service';

/** What an identity event means for a user's sessions, or undefined when it means nothing. */
export const sessionsToEnd = (
  event: Pick<RecordedEvent, 'type' | 'data' | 'occurredAt'>,
): { userId: string; options: Pick<EndAllOptions, 'reason' | 'startedAtOrBefore'> } | undefined => {
  const e = event as unknown as IdentityIntegrationEvent;
  switch (e.type) {
    case 'PasswordChanged':
      // Logins made with the new password (after the reset) survive; everything older ends.
      return e.data.reason === 'reset'
        ? {
            userId: e.data.userId,
            options: { reason: 'password-reset', startedAtOrBefore: event.occurredAt.toISOString() },
          }
        : undefined;
    case 'AccountSuspended':
      return { userId: e.data.userId, options: { reason: 'account-suspended' } };
    case 'AccountDeleted':
      return { userId: e.data.userId, options: { reason: 'account-deleted' } };
    default:
      return undefined;
  }
};

/**
 * What an identity event means for the impersonation sessions a site admin started (TFC-API §10): they end when the
 * admin is suspended, deleted or no longer a site admin (the sessions belong to the impersonated users, so the
 * admin's own `sessionsToEnd` does not reach them).
 */
export const impersonationsToEnd = (
  event: Pick<RecordedEvent, 'type' | 'data'>,
): { impersonatorId: string; reason: 'account-suspended' | 'account-deleted' | 'revoked' } | undefined => {
  const e = event as unknown as IdentityIntegrationEvent;
  switch (e.type) {
    case 'AccountSuspended':
      return { impersonatorId: e.data.userId, reason: 'account-suspended' };
    case 'AccountDeleted':
      return { impersonatorId: e.data.userId, reason: 'account-deleted' };
    case 'SiteAdminRevoked':
      return { impersonatorId: e.data.userId, reason: 'revoked' };
    default:
      return undefined;
  }
};

/**
 * What an identity event means for a user's API tokens: suspension makes them unverifiable until unsuspension (TFC
 * keeps them), deletion revokes them. Password changes do not touch API tokens (TFC does not either).
 */
export const userTokenChange = (
  event: Pick<RecordedEvent, 'type' | 'data'>,
): { userId: string; change: 'suspend' | 'unsuspend' | 'revoke' } | undefined => {
  const e = event as unknown as IdentityIntegrationEvent;
  switch (e.type) {
    case 'AccountSuspended':
      return { userId: e.data.userId, change: 'suspend' };
    case 'AccountUnsuspended':
      return { userId: e.data.userId, change: 'unsuspend' };
    case 'AccountDeleted':
      return { userId: e.data.userId, change: 'revoke' };
    default:
      return undefined;
  }
};

/**
 * The token service's reaction to `identity.events`: end the sessions an event invalidates and suspend, resume or
 * revoke the user's API tokens, once per event (`ProcessedEvents` by event id), so a redelivery — even after the
 * user logged in again — changes nothing. Both reactions are idempotent, so a retry after a partial failure is safe.
 */
export class IdentityReactions {
  constructor(
    private readonly sessions: Pick<SessionService, 'endAll'> &
      Partial<Pick<SessionService, 'endImpersonationsBy'>>,
    private readonly processed: Pick<ProcessedEvents, 'once'>,
    private readonly userTokens?: Pick<UserTokenService, 'setSuspended' | 'revokeAll'>,
  ) {}

  /** Resolves true when the event was acted on now, false when irrelevant or already processed. */
  async handle(event: RecordedEvent): Promise<boolean> {
    const target = sessionsToEnd(event);
    const tokens = this.userTokens ? userTokenChange(event) : undefined;
    const impersonations = this.sessions.endImpersonationsBy ? impersonationsToEnd(event) : undefined;
    if (!target && !tokens && !impersonations) return false;
    if (impersonations && typeof impersonations.impersonatorId !== 'string') return false;
    if (target && typeof target.userId !== 'string') return false;
    if (tokens && typeof tokens.userId !== 'string') return false;
    const metadata: EventMetadata = {
      actor: { kind: 'system', id: 'token' },
      causationId: event.id,
      ...(typeof event.metadata.correlationId === 'string'
        ? { correlationId: event.metadata.correlationId }
        : {}),
    };
    return this.processed.once(event, async () => {
      if (target) await this.sessions.endAll(target.userId, { ...target.options, metadata });
      if (impersonations && this.sessions.endImpersonationsBy)
        await this.sessions.endImpersonationsBy(impersonations.impersonatorId, {
          reason: impersonations.reason,
          metadata,
        });
      if (tokens && this.userTokens) {
        if (tokens.change === 'revoke') await this.userTokens.revokeAll(tokens.userId, metadata);
        else await this.userTokens.setSuspended(tokens.userId, tokens.change === 'suspend', metadata);
      }
    });
  }
}
