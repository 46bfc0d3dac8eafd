import { IDENTITY_SEAL_CONTEXT, type IdentityIntegrationEvent } from '@idp/contracts';
import type { RecordedEvent } from '@idp/eventing';
import { z } from 'zod';
import type { MailTemplate } from '../../domain/delivery/delivery.decider';
import {
  type Branding,
  emailChangedMail,
  emailConfirmationMail,
  passwordChangedMail,
  passwordResetMail,
  type RenderedMail,
} from '../../domain/templates';
import {
  assertNotExpired,
  type MailPlan,
  type MailPlanner,
  parseEventData,
  stringField,
} from '../deliver-mail/mail-plan';

const text = z.string().min(1);
const instant = z.iso.datetime({ offset: true });
const linkRequest = z.object({
  userId: text,
  username: text,
  email: text,
  sealedToken: text,
  expiresAt: instant,
});
const passwordChanged = z.object({
  userId: text,
  username: text,
  email: text,
  reason: z.enum(['changed', 'reset', 'rehashed']),
});
const emailChanged = z.object({ userId: text, username: text, from: text, to: text });

const linkMail = (
  event: RecordedEvent,
  template: MailTemplate,
  tokenContext: string,
  render: (branding: Branding, data: z.infer<typeof linkRequest>, token: string) => RenderedMail,
): MailPlan => ({
  template,
  to: stringField(event, 'email'),
  userId: stringField(event, 'userId'),
  compose: ({ branding, open, now }) => {
    const data = parseEventData(linkRequest, event);
    assertNotExpired(data.expiresAt, now);
    return render(branding, data, open(data.sealedToken, tokenContext));
  },
});

/**
 * Which mail, if any, an event on `identity.events` triggers. `undefined` for the events that send none
 * (including a password merely rehashed at login, which the owner did not do and need not hear of).
 */
export const planAccountMail: MailPlanner = (event: RecordedEvent): MailPlan | undefined => {
  const requestedAt = event.occurredAt.toISOString();
  switch (event.type as IdentityIntegrationEvent['type']) {
    case 'EmailConfirmationRequested':
      return linkMail(
        event,
        'email-confirmation',
        IDENTITY_SEAL_CONTEXT.emailConfirmation,
        (branding, d, token) => emailConfirmationMail(branding, { ...d, token, requestedAt }),
      );
    case 'EmailChangeRequested':
      // To the new address: it is the one that must prove it can read mail.
      return linkMail(
        event,
        'email-change-confirmation',
        IDENTITY_SEAL_CONTEXT.emailConfirmation,
        (branding, d, token) => emailConfirmationMail(branding, { ...d, token, requestedAt }),
      );
    case 'PasswordResetRequested':
      return linkMail(event, 'password-reset', IDENTITY_SEAL_CONTEXT.passwordReset, (branding, d, token) =>
        passwordResetMail(branding, { ...d, token, requestedAt }),
      );
    case 'PasswordChanged': {
      const reason = stringField(event, 'reason');
      if (reason === 'rehashed') return undefined;
      return {
        template: 'password-changed',
        to: stringField(event, 'email'),
        userId: stringField(event, 'userId'),
        compose: ({ branding }) =>
          passwordChangedMail(branding, {
            ...parseEventData(passwordChanged, event),
            changedAt: requestedAt,
          }),
      };
    }
    case 'EmailChanged':
      // To the old address: its owner is the one who must hear of the change.
      return {
        template: 'email-changed',
        to: stringField(event, 'from'),
        userId: stringField(event, 'userId'),
        compose: ({ branding }) => {
          const data = parseEventData(emailChanged, event);
          return emailChangedMail(branding, {
            username: data.username,
            newEmail: data.to,
            changedAt: requestedAt,
          });
        },
      };
    default:
      return undefined;
  }
};
