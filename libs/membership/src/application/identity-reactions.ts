import type { IdentityIntegrationEvent } from '@idp/contracts';
import type { EventMetadata, ProcessedEvents, RecordedEvent } from '@idp/eventing';
import type { MembershipService } from './membership.service';
import { MIRRORED_IDENTITY_EVENTS, type UserMirror } from './user-mirror';

/**
 * The membership service's process manager on `identity.events`:
 * - every account event the user mirror keeps is recorded (`UserMirror.observe`);
 * - `AccountRegistered` with an `invitation` (a sign-up with a valid invitation token) accepts that invitation for
 *   the new account (`via: 'sign-up'`);
 * - `AccountDeleted` ends the user's membership in every organization (`account-deleted`);
 * - `TwoFactorDisabled` of an owner of an organization that requires 2FA is logged (the policy locks them out).
 *
 * Idempotent three times over: `ProcessedEvents` runs each event once per consumer (by event id); the mirror
 * records an identity event only above the revision it already holds; and the decider answers a repeated
 * acceptance or removal with no event. So a redelivery — or a retry after a failure half-way — changes nothing.
 */
export class IdentityReactions {
  constructor(
    private readonly service: Pick<
      MembershipService,
      'acceptBySignUp' | 'removeAccount' | 'noteTwoFactorDisabled'
    >,
    private readonly mirror: Pick<UserMirror, 'observe'>,
    private readonly processed: Pick<ProcessedEvents, 'once'>,
  ) {}

  /** Resolves true when the event was acted on now, false when irrelevant or already processed. */
  async handle(event: RecordedEvent): Promise<boolean> {
    if (!MIRRORED_IDENTITY_EVENTS.has(event.type)) return false;
    const e = { type: event.type, data: event.data } as IdentityIntegrationEvent;
    if (typeof (e.data as { userId?: unknown })?.userId !== 'string') return false;
    const metadata: EventMetadata = {
      actor: { kind: 'system', id: 'membership' },
      causationId: event.id,
      ...(typeof event.metadata.correlationId === 'string'
        ? { correlationId: event.metadata.correlationId }
        : {}),
    };
    return this.processed.once(event, async () => {
      if (e.type === 'AccountDeleted') {
        // Memberships first: the mirror's record of the user stays until they are gone.
        await this.service.removeAccount(e.data.userId, metadata);
        await this.mirror.observe(event, metadata);
        return;
      }
      // The user first, so the accepted membership is projected with its username.
      await this.mirror.observe(event, metadata);
      // An owner of an organization that requires 2FA without it: locked out until re-enabled (a warning only).
      if (e.type === 'TwoFactorDisabled') await this.service.noteTwoFactorDisabled(e.data.userId);
      if (e.type === 'AccountRegistered' && e.data.invitation)
        await this.service.acceptBySignUp(
          {
            organizationId: e.data.invitation.organizationId,
            membershipId: e.data.invitation.membershipId,
            userId: e.data.userId,
            email: e.data.email,
            at: e.data.registeredAt,
          },
          metadata,
        );
    });
  }
}
