import { CodedError } from '@idp/eventing';

/** One e-mail to one recipient, fully rendered. */
export interface OutgoingMail {
  /** One recipient: `ada@example.com` or `"Ada" <ada@example.com>`. Anything else is a `PermanentMailError`. */
  to: string;
  subject: string;
  /** The plain-text part. Both parts are always sent (multipart/alternative). */
  text: string;
  /** The HTML part; every interpolated value already escaped (see `domain/templates`). */
  html: string;
  /**
   * Extra headers (`List-Unsubscribe`, `X-Entity-Ref-ID`, …). Names must be header tokens and values one
   * line; the headers the mailer owns (`From`, `To`, `Subject`, `Message-ID`, `Date`, MIME headers) cannot
   * be overridden.
   */
  headers?: Readonly<Record<string, string>>;
  /**
   * Identifies this notification across retries and redeliveries (for example `<event id>:<template>`).
   * The same key always yields the same `Message-ID`, so a second send of one notification is recognisable
   * as a duplicate by the receiving side and is a no-op in the outbox. Never put a secret in it.
   */
  idempotencyKey: string;
}

/** What a successful send produced. */
export interface MailReceipt {
  /** The `Message-ID` header that was sent, angle brackets included; derived from the idempotency key. */
  messageId: string;
  /** Recipients the server accepted (the outbox accepts every valid address). */
  accepted: string[];
  /** The server's final reply (`250 OK: queued as …`), or where the outbox put the message. */
  response: string;
  /** True when the outbox already held this key and nothing new was written. SMTP cannot know: `false`. */
  duplicate: boolean;
}

/**
 * Sends one e-mail. Resolves once the message has been handed over for good: accepted by the SMTP server
 * (which then owns delivery) or written to the outbox folder.
 *
 * Errors, and only these:
 * - `TransientMailError` (`MAIL.TRANSIENT`): the message was not accepted now but may be later, unchanged —
 *   connection refused/reset, DNS failure, timeouts, SMTP 4xx (greylisting, mailbox busy, 421 shutting down),
 *   and failures of our own setup (rejected credentials, TLS) that fixing configuration cures. Retry later;
 *   never record the notification as failed for good.
 * - `PermanentMailError` (`MAIL.PERMANENT`): this message to this recipient will never be accepted — SMTP 5xx
 *   other than authentication (550 unknown mailbox, 553 bad address, 552 too large), or an address or header
 *   the mailer refuses before sending. Do not retry; record the failure.
 *
 * A send that timed out after the data went out may still have been delivered; retrying with the same
 * idempotency key re-sends the same `Message-ID`, so the duplicate is recognisable.
 */
export interface Mailer {
  send(message: OutgoingMail): Promise<MailReceipt>;
}

/** DI token for the `Mailer` port. */
export const MAILER = Symbol('Mailer');

export const MAIL_TRANSIENT = 'MAIL.TRANSIENT';
export const MAIL_PERMANENT = 'MAIL.PERMANENT';

/** What is known about a failed send, for the delivery log. Never the message body. */
export interface MailFailureDetails {
  /** SMTP reply code, when the server answered (451, 550, …). */
  smtpCode?: number;
  /** The server's reply text, when it answered. */
  response?: string;
  /** Low-level error code (`ECONNREFUSED`, `ETIMEDOUT`, nodemailer's `EENVELOPE`, …). */
  errorCode?: string;
  /** The SMTP command that failed (`RCPT TO`, `DATA`, …). */
  command?: string;
}

/** A send that failed; `transient` tells whether trying again may succeed. */
export abstract class MailError extends CodedError {
  abstract readonly transient: boolean;

  constructor(
    code: string,
    message: string,
    readonly details: MailFailureDetails = {},
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** Not accepted now; the same message may be accepted later. Code `MAIL.TRANSIENT`. */
export class TransientMailError extends MailError {
  readonly transient = true;

  constructor(message: string, details: MailFailureDetails = {}, options?: { cause?: unknown }) {
    super(MAIL_TRANSIENT, message, details, options);
  }
}

/** Never going to be accepted; do not retry. Code `MAIL.PERMANENT`. */
export class PermanentMailError extends MailError {
  readonly transient = false;

  constructor(message: string, details: MailFailureDetails = {}, options?: { cause?: unknown }) {
    super(MAIL_PERMANENT, message, details, options);
  }
}

export const isTransientMailError = (err: unknown): err is TransientMailError =>
  err instanceof MailError && err.transient;

export const isPermanentMailError = (err: unknown): err is PermanentMailError =>
  err instanceof MailError && !err.transient;
