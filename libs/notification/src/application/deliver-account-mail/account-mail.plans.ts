import { IDENTITY_SEAL_CONTEXT, type IdentityIntegrationEvent } from '@idp/contracts';
import { CodedError, type RecordedEvent } from '@idp/eventing';
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

/** The event's data does not have the shape its contract promises. Permanent: the same event never will. */
export class InvalidNotificationEvent extends CodedError {
  constructor(type: string, reason: string) {
    super('NOTIFICATION.INVALID_EVENT', `${type}: ${reason}`);
  }
}

/** The link in this mail expired before it could be sent (a long outage): sending it would only confuse. */
export class LinkExpired extends CodedError {
  constructor(expiresAt: string) {
    super('NOTIFICATION.LINK_EXPIRED', `the link expired at ${expiresAt} before the mail could be sent`);
  }
}

/** What composing a mail may use: the configured branding, the SecretBox's `open`, and the time. */
export interface ComposeContext {
  branding: Branding;
  open(sealed: string, context: string): string;
  now: Date;
}

/**
 * The mail an identity event asks for. `compose` opens the sealed token and renders; it throws
 * `SealedValueInvalid`, `LinkExpired` or `InvalidNotificationEvent`, all permanent.
 */
export interface MailPlan {
  template: MailTemplate;
  /** Empty when the event is too malformed to name one (then `compose` throws). */
  to: string;
  userId: string;
  compose(context: ComposeContext): RenderedMail;
}

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

const parse = <S extends z.ZodType>(schema: S, event: RecordedEvent): z.infer<S> => {
  const result = schema.safeParse(event.data);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new InvalidNotificationEvent(event.type, `${issue.path.join('.') || 'data'}: ${issue.message}`);
};

/** Best-effort recipient and user of a malformed event, so the failure record still says whom it concerned. */
const field = (event: RecordedEvent, name: string): string => {
  const value = (event.data as Record<string, unknown> | null | undefined)?.[name];
  return typeof value === 'string' ? value : '';
};

const notExpired = (expiresAt: string, now: Date) => {
  if (Date.parse(expiresAt) <= now.getTime()) throw new LinkExpired(expiresAt);
};

const linkMail = (
  event: RecordedEvent,
  template: MailTemplate,
  tokenContext: string,
  render: (branding: Branding, data: z.infer<typeof linkRequest>, token: string) => RenderedMail,
): MailPlan => ({
  template,
  to: field(event, 'email'),
  userId: field(event, 'userId'),
  compose: ({ branding, open, now }) => {
    const data = parse(linkRequest, event);
    notExpired(data.expiresAt, now);
    return render(branding, data, open(data.sealedToken, tokenContext));
  },
});

/**
 * Which mail, if any, an event on `identity.events` triggers. `undefined` for the events that send none
 * (including a password merely rehashed at login, which the owner did not do and need not hear of).
 */
export const planAccountMail = (event: RecordedEvent): MailPlan | undefined => {
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
      const reason = field(event, 'reason');
      if (reason === 'rehashed') return undefined;
      return {
        template: 'password-changed',
        to: field(event, 'email'),
        userId: field(event, 'userId'),
        compose: ({ branding }) =>
          passwordChangedMail(branding, { ...parse(passwordChanged, event), changedAt: requestedAt }),
      };
    }
    case 'EmailChanged':
      // To the old address: its owner is the one who must hear of the change.
      return {
        template: 'email-changed',
        to: field(event, 'from'),
        userId: field(event, 'userId'),
        compose: ({ branding }) => {
          const data = parse(emailChanged, event);
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
