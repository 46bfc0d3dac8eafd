import { CodedError, type RecordedEvent } from '@idp/eventing';
import type { z } from 'zod';
import type { MailTemplate } from '../../domain/delivery/delivery.decider';
import type { Branding, RenderedMail } from '../../domain/templates';

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
 * The mail an event asks for. `compose` opens the sealed token and renders; it throws `SealedValueInvalid`,
 * `LinkExpired` or `InvalidNotificationEvent`, all permanent.
 */
export interface MailPlan {
  template: MailTemplate;
  /** Empty when the event is too malformed to name one (then `compose` throws). */
  to: string;
  /** The account the mail concerns, for the delivery log; empty when there is none (an invitation). */
  userId: string;
  compose(context: ComposeContext): RenderedMail;
}

/** Which mail, if any, an event of one topic asks for (`planAccountMail`, `planInvitationMail`). */
export type MailPlanner = (event: RecordedEvent) => MailPlan | undefined;

/** The event's data as `schema` says, or `InvalidNotificationEvent` naming the first issue (a path, never a value). */
export const parseEventData = <S extends z.ZodType>(schema: S, event: RecordedEvent): z.infer<S> => {
  const result = schema.safeParse(event.data);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new InvalidNotificationEvent(event.type, `${issue.path.join('.') || 'data'}: ${issue.message}`);
};

/** Best-effort field of a possibly malformed event, so the failure record still says whom it concerned. */
export const stringField = (event: RecordedEvent, name: string): string => {
  const value = (event.data as Record<string, unknown> | null | undefined)?.[name];
  return typeof value === 'string' ? value : '';
};

/** `LinkExpired` unless `expiresAt` is still ahead of `now`. */
export const assertNotExpired = (expiresAt: string, now: Date): void => {
  if (Date.parse(expiresAt) <= now.getTime()) throw new LinkExpired(expiresAt);
};
