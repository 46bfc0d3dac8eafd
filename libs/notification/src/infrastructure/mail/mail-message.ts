import { createHash } from 'node:crypto';
import addressparser from 'nodemailer/lib/addressparser';
import type { SendMailOptions } from 'nodemailer';
import { type OutgoingMail, PermanentMailError } from './mailer.port';

/** The sender every message carries, parsed once from `MAIL_FROM`. */
export interface Sender {
  /** As configured, for the `From` header: `"Terraform Platform" <no-reply@example.com>`. */
  header: string;
  address: string;
  /** Lower-cased domain of `address`: the right-hand side of every `Message-ID`. */
  domain: string;
}

export const DEFAULT_MAIL_FROM = '"Terraform Platform" <no-reply@localhost>';

// Deliberately narrower than RFC 5322 (no quoted local parts, no comments, no IP literals): what a sign-up
// form accepts. Non-ASCII passes, for internationalised addresses.
const ADDRESS = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+$/;
const HEADER_NAME = /^[!-9;-~]+$/;
// Headers the mailer writes itself; letting a caller set them would break the Message-ID guarantee or MIME.
const RESERVED_HEADERS = new Set([
  'from',
  'sender',
  'to',
  'cc',
  'bcc',
  'subject',
  'message-id',
  'date',
  'return-path',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
]);

/** The one mailbox in `value`, or `undefined` when it is not exactly one plausible address. */
const singleMailbox = (value: string): { name: string; address: string } | undefined => {
  if (/[\r\n]/.test(value) || value.length > 998) return undefined;
  const parsed = addressparser(value);
  if (parsed.length !== 1) return undefined;
  const [entry] = parsed;
  if (entry.group || !entry.address || entry.address.length > 254 || !ADDRESS.test(entry.address))
    return undefined;
  return { name: entry.name, address: entry.address };
};

/** Parses `MAIL_FROM`; `undefined` when it is not one address. */
export const parseSender = (from: string): Sender | undefined => {
  const mailbox = singleMailbox(from.trim());
  if (!mailbox) return undefined;
  return {
    header: from.trim(),
    address: mailbox.address,
    domain: mailbox.address.slice(mailbox.address.lastIndexOf('@') + 1).toLowerCase(),
  };
};

/**
 * 128 bits of SHA-256 of the idempotency key, hex. Hashing keeps whatever the key contains (ids, colons,
 * spaces) out of a header and a file name, and gives both the same stable token.
 */
export const idempotencyToken = (idempotencyKey: string): string =>
  createHash('sha256').update(idempotencyKey, 'utf8').digest('hex').slice(0, 32);

/** The `Message-ID` for a key: the same key and sender domain always give the same id. */
export const messageIdFor = (idempotencyKey: string, senderDomain: string): string =>
  `<${idempotencyToken(idempotencyKey)}@${senderDomain}>`;

/**
 * Checks a message before anything is sent and turns it into nodemailer's options. A message the mailer
 * refuses is a `PermanentMailError`: sending it again unchanged cannot succeed.
 */
export const composeMail = (
  message: OutgoingMail,
  sender: Sender,
): { options: SendMailOptions; messageId: string; recipient: string } => {
  if (!message.idempotencyKey) throw new PermanentMailError('the message has no idempotency key');
  const recipient = singleMailbox(message.to ?? '');
  if (!recipient) throw new PermanentMailError('the recipient is not one valid e-mail address');
  if (/[\r\n]/.test(message.subject)) throw new PermanentMailError('the subject contains a line break');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (!HEADER_NAME.test(name)) throw new PermanentMailError(`"${name}" is not a header name`);
    if (RESERVED_HEADERS.has(name.toLowerCase()))
      throw new PermanentMailError(`the ${name} header is set by the mailer`);
    if (/[\r\n]/.test(value)) throw new PermanentMailError(`the ${name} header contains a line break`);
    headers[name] = value;
  }
  const messageId = messageIdFor(message.idempotencyKey, sender.domain);
  return {
    messageId,
    recipient: recipient.address,
    options: {
      from: sender.header,
      to: message.to,
      subject: message.subject,
      text: message.text,
      html: message.html,
      headers,
      messageId,
    },
  };
};
