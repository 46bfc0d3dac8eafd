import type { NodemailerError } from 'nodemailer';
import {
  type MailError,
  type MailFailureDetails,
  PermanentMailError,
  TransientMailError,
} from './mailer.port';

// Failures of the path to the server, not of the message: a later attempt may get through.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  // nodemailer's own: connection closed, socket error, timeout, DNS, TLS, proxy, pool limit
  'ECONNECTION',
  'ESOCKET',
  'EDNS',
  'ETLS',
  'EPROXY',
  'EMAXLIMIT',
  'EPROTOCOL',
]);
// Our own credentials were refused: a configuration problem that fixing SMTP_URL cures, never a reason to
// give up on the message. So transient, although the server answers 535 (a 5xx).
const AUTH_CODES = new Set(['EAUTH', 'ENOAUTH', 'EOAUTH2']);
// The message itself cannot be built or addressed; sending it again changes nothing.
const MESSAGE_CODES = new Set(['EENVELOPE', 'EMESSAGE', 'EMAXRECIPIENTS', 'EFILEACCESS', 'EURLACCESS']);

/**
 * Maps whatever nodemailer (or the socket under it) threw to `TransientMailError` or `PermanentMailError`.
 * An error nothing here recognises is transient: dropping a password-reset mail on an unknown error is worse
 * than a bounded number of retries followed by a transient failure the caller can park.
 */
export const toMailError = (err: unknown): MailError => {
  const e = (err ?? {}) as NodemailerError;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const originalCode = typeof e.originalCode === 'string' ? e.originalCode : undefined;
  const smtpCode = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const details: MailFailureDetails = {
    ...(smtpCode !== undefined && { smtpCode }),
    ...(typeof e.response === 'string' && { response: e.response }),
    ...((originalCode ?? code) && { errorCode: originalCode ?? code }),
    ...(typeof e.command === 'string' && { command: e.command }),
  };
  const cause = { cause: err };

  if (code && AUTH_CODES.has(code))
    return new TransientMailError(`SMTP authentication failed${reply(e)}; check SMTP_URL`, details, cause);
  if (smtpCode !== undefined) {
    // RFC 5321: 5yz is a permanent negative reply, 4yz a transient one. nodemailer refines it (503, bad
    // sequence of commands, is a session-state problem a new connection cures) and says so in `permanent`.
    const permanent = typeof e.permanent === 'boolean' ? e.permanent : smtpCode >= 500 && smtpCode !== 503;
    return permanent
      ? new PermanentMailError(`SMTP server refused the message${reply(e)}`, details, cause)
      : new TransientMailError(`SMTP server deferred the message${reply(e)}`, details, cause);
  }
  if ((code && NETWORK_CODES.has(code)) || (originalCode && NETWORK_CODES.has(originalCode)))
    return new TransientMailError(
      `SMTP server unreachable (${originalCode ?? code}): ${e.message ?? 'no detail'}`,
      details,
      cause,
    );
  if (code && MESSAGE_CODES.has(code))
    return new PermanentMailError(
      `SMTP message rejected before sending: ${e.message ?? code}`,
      details,
      cause,
    );
  return new TransientMailError(`SMTP send failed: ${e.message ?? String(err)}`, details, cause);
};

const reply = (e: NodemailerError) =>
  typeof e.response === 'string' ? ` (${e.response})` : e.responseCode ? ` (${e.responseCode})` : '';
