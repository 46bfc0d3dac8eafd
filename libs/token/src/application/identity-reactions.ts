import type { IdentityIntegrationEvent } from '@idp/contracts';
import type { EventMetadata, ProcessedEvents, RecordedEvent } from '@idp/eventing';
import type { EndAllOptions, SessionService } from './session.service';

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
 * The token service's reaction to `identity.events`: end the sessions an event invalidates, once per event
 * (`ProcessedEvents` by event id), so a redelivery — even after the user logged in again — changes nothing.
 */
export class IdentityReactions {
  constructor(
    private readonly sessions: Pick<SessionService, 'endAll'>,
    private readonly processed: Pick<ProcessedEvents, 'once'>,
  ) {}

  /** Resolves true when the event was acted on now, false when irrelevant or already processed. */
  async handle(event: RecordedEvent): Promise<boolean> {
    const target = sessionsToEnd(event);
    if (!target || typeof target.userId !== 'string') return false;
    const metadata: EventMetadata = {
      actor: { kind: 'system', id: 'token' },
      causationId: event.id,
      ...(typeof event.metadata.correlationId === 'string'
        ? { correlationId: event.metadata.correlationId }
        : {}),
    };
    return this.processed.once(event, async () => {
      await this.sessions.endAll(target.userId, { ...target.options, metadata });
    });
  }
}
