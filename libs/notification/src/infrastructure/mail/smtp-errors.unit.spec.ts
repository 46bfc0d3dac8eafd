import { PermanentMailError, TransientMailError } from './mailer.port';
import { toMailError } from './smtp-errors';

// Shapes nodemailer 10 gives its errors (code, responseCode, response, command, permanent, originalCode).
const nodemailerError = (fields: Record<string, unknown>) => Object.assign(new Error('boom'), fields);

describe('toMailError', () => {
  it.each([
    ['451 after DATA', { code: 'EMESSAGE', responseCode: 451, response: '451 try later', permanent: false }],
    ['421 closing', { code: 'EENVELOPE', responseCode: 421, command: 'RCPT TO' }],
    ['503 bad sequence', { code: 'EPROTOCOL', responseCode: 503 }],
    ['connection refused', { code: 'ESOCKET', originalCode: 'ECONNREFUSED' }],
    ['connection reset', { code: 'ECONNRESET' }],
    ['closed unexpectedly', { code: 'ECONNECTION' }],
    ['timeout', { code: 'ETIMEDOUT' }],
    ['DNS', { code: 'EDNS', originalCode: 'ENOTFOUND' }],
    ['TLS', { code: 'ETLS' }],
    ['credentials refused (535)', { code: 'EAUTH', responseCode: 535, response: '535 bad credentials' }],
    ['credentials missing', { code: 'ENOAUTH' }],
    ['something unknown', {}],
  ])('%s is transient', (_name, fields) => {
    const err = toMailError(nodemailerError(fields));
    expect(err).toBeInstanceOf(TransientMailError);
    expect(err.code).toBe('MAIL.TRANSIENT');
    expect(err.cause).toBeInstanceOf(Error);
  });

  it.each([
    ['550 unknown mailbox', { code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO', permanent: true }],
    ['553 bad address', { code: 'EENVELOPE', responseCode: 553 }],
    ['552 too large', { code: 'EMESSAGE', responseCode: 552 }],
    ['554 rejected', { code: 'EMESSAGE', responseCode: 554 }],
    ['no recipients', { code: 'EENVELOPE' }],
  ])('%s is permanent', (_name, fields) => {
    const err = toMailError(nodemailerError(fields));
    expect(err).toBeInstanceOf(PermanentMailError);
    expect(err.code).toBe('MAIL.PERMANENT');
  });

  it("follows nodemailer's own verdict when it gives one", () => {
    expect(toMailError(nodemailerError({ responseCode: 550, permanent: false }))).toBeInstanceOf(
      TransientMailError,
    );
  });

  it('keeps what the delivery log needs', () => {
    const err = toMailError(
      nodemailerError({
        code: 'EENVELOPE',
        responseCode: 550,
        response: '550 5.1.1 no such user',
        command: 'RCPT TO',
      }),
    );
    expect(err.details).toEqual({
      smtpCode: 550,
      response: '550 5.1.1 no such user',
      errorCode: 'EENVELOPE',
      command: 'RCPT TO',
    });
    expect(err.message).toBe('SMTP server refused the message (550 5.1.1 no such user)');
  });

  it('copes with non-errors', () => {
    expect(toMailError(undefined)).toBeInstanceOf(TransientMailError);
    expect(toMailError('text')).toBeInstanceOf(TransientMailError);
  });
});
