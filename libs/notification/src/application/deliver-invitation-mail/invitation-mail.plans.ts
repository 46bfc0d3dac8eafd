import { MEMBERSHIP_SEAL_CONTEXT, type MembershipEventType } from '@idp/contracts';
import type { RecordedEvent } from '@idp/eventing';
import { z } from 'zod';
import { invitationMail } from '../../domain/templates';
import {
  assertNotExpired,
  InvalidNotificationEvent,
  type MailPlan,
  type MailPlanner,
  parseEventData,
  stringField,
} from '../deliver-mail/mail-plan';

const text = z.string().min(1);
const memberInvited = z.object({
  organizationId: text,
  organizationName: text,
  membershipId: text,
  email: text,
  invitedBy: text.nullable(),
  expiresAt: z.iso.datetime({ offset: true }),
  sealedToken: text,
  refreshed: z.boolean().optional(),
});

/**
 * Which mail, if any, an event on `membership.events` triggers: `MemberInvited` (a refreshed re-invite included:
 * each event is its own delivery, so each re-invite mails its new link) → the invitation to the invited address.
 * The token is opened from `sealedToken` with `MEMBERSHIP_SEAL_CONTEXT.invitation` and goes only into the link.
 */
export const planInvitationMail: MailPlanner = (event: RecordedEvent): MailPlan | undefined => {
  if ((event.type as MembershipEventType) !== 'MemberInvited') return undefined;
  return {
    template: 'invitation',
    to: stringField(event, 'email'),
    userId: '', // nobody's account (yet): the delivery log's `to` names the recipient
    compose: ({ branding, open, now }) => {
      const data = parseEventData(memberInvited, event);
      assertNotExpired(data.expiresAt, now);
      const token = open(data.sealedToken, MEMBERSHIP_SEAL_CONTEXT.invitation);
      // `<organizationId>.<secret>`: a token of another organization in this event would invite to the wrong one.
      if (!token.startsWith(`${data.organizationId}.`))
        throw new InvalidNotificationEvent(event.type, 'sealedToken: not a token of organizationId');
      return invitationMail(branding, {
        organizationName: data.organizationName,
        email: data.email,
        invitedBy: data.invitedBy,
        token,
        expiresAt: data.expiresAt,
        requestedAt: event.occurredAt.toISOString(),
        refreshed: data.refreshed ?? false,
      });
    },
  };
};
