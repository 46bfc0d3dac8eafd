// Real SMTP round trips against the in-process test server of @idp/testing (loopback, no external
// infrastructure), hence a unit spec.
import { createServer, type Server } from 'node:net';
import { freePort, startSmtpServer, type TestSmtpServer } from '@idp/testing';
import { passwordResetMail } from '../../domain';
import { messageIdFor, parseSender } from './mail-message';
import { MailError, type OutgoingMail, PermanentMailError, TransientMailError } from './mailer.port';
import { RetryingMailer } from './retrying.mailer';
import { SmtpMailer } from './smtp.mailer';

const sender = parseSender('"Terraform Platform" <no-reply@tfe.example.com>')!;
const branding = { productName: 'Terraform Platform', baseUrl: 'https://tfe.example.com' };

const resetMail = (overrides: Partial<OutgoingMail> = {}): OutgoingMail => ({
  to: '"Ada" <ada@example.com>',
  ...passwordResetMail(branding, {
    username: 'ada',
    token: 'tok-123',
    expiresAt: '2025-03-01T10:00:00Z',
    requestedAt: '2025-03-01T09:00:00Z',
  }),
  idempotencyKey: '0190f3a2-aaaa-7bbb-8ccc-123456789abc:password-reset',
  ...overrides,
});

const failure = (p: Promise<unknown>): Promise<MailError> =>
  p.then(
    () => {
      throw new Error('expected the send to fail');
    },
    (err: unknown) => {
      if (!(err instanceof MailError)) throw err;
      return err;
    },
  );

describe('SmtpMailer against a real SMTP server', () => {
  let server: TestSmtpServer;
  const mailers: SmtpMailer[] = [];
  const mailer = (url = server.url, extra: Partial<ConstructorParameters<typeof SmtpMailer>[0]> = {}) => {
    const m = new SmtpMailer({ url, sender, ...extra });
    mailers.push(m);
    return m;
  };

  beforeAll(async () => {
    server = await startSmtpServer();
  });
  afterEach(async () => {
    await Promise.all(mailers.splice(0).map((m) => m.close()));
    server.reset();
  });
  afterAll(() => server.close());

  it('delivers both parts, from MAIL_FROM, with the Message-ID derived from the idempotency key', async () => {
    const message = resetMail();
    const receipt = await mailer().send(message);

    const got = await server.waitForMail((m) => m.subject === message.subject);
    const expectedId = messageIdFor(message.idempotencyKey, 'tfe.example.com');
    expect(receipt).toEqual({
      messageId: expectedId,
      accepted: ['ada@example.com'],
      response: expect.stringMatching(/^250/),
      duplicate: false,
    });
    expect(got.messageId).toBe(expectedId);
    expect(got.messageId).toMatch(/^<[0-9a-f]{32}@tfe\.example\.com>$/);
    expect(got.from).toBe('"Terraform Platform" <no-reply@tfe.example.com>');
    expect(got.envelope).toEqual({ from: 'no-reply@tfe.example.com', to: ['ada@example.com'] });
    expect(got.to).toEqual(['ada@example.com']);
    expect(got.text.trim()).toBe(message.text.trim());
    expect(got.html).toContain('https://tfe.example.com/account/reset-password?token=tok-123');
  });

  it('sends the same Message-ID again for the same key, so the re-send is recognisable', async () => {
    const m = mailer();
    await m.send(resetMail());
    await m.send(resetMail());
    await m.send(resetMail({ idempotencyKey: 'another-event:password-reset' }));
    expect(server.messages).toHaveLength(3);
    const [a, b, c] = server.messages.map((x) => x.messageId);
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  it('passes extra headers and refuses to let them override its own', async () => {
    await mailer().send(
      resetMail({ headers: { 'X-Entity-Ref-ID': 'abc', 'Reply-To': 'admin@example.com' } }),
    );
    const got = await server.waitForMail();
    expect(got.headers['x-entity-ref-id']).toBe('abc');
    expect(got.headers['reply-to']).toBe('admin@example.com');

    const refused: Record<string, string>[] = [
      { 'Message-ID': '<x@y>' },
      { From: 'evil@example.com' },
      { 'X-A': 'a\r\nBcc: x@y.z' },
    ];
    for (const headers of refused) {
      expect(await failure(mailer().send(resetMail({ headers })))).toBeInstanceOf(PermanentMailError);
    }
  });

  it.each(['not-an-address', 'a@b.c, d@e.f', 'ada@example.com\r\nBcc: eve@example.com', ''])(
    'refuses recipient %j as permanent without connecting',
    async (to) => {
      const err = await failure(mailer().send(resetMail({ to })));
      expect(err).toBeInstanceOf(PermanentMailError);
      expect(err.code).toBe('MAIL.PERMANENT');
      expect(server.stats).toEqual({ accepted: 0, rejected: 0 });
    },
  );

  it('retries a 451 and then delivers, through RetryingMailer', async () => {
    server.failNext(1, 451, { message: '4.7.1 Greylisted, try again' });
    const sleeps: number[] = [];
    const retrying = new RetryingMailer(mailer(), { attempts: 3, sleep: async (ms) => void sleeps.push(ms) });

    const receipt = await retrying.send(resetMail());

    expect(server.stats).toEqual({ accepted: 1, rejected: 1 });
    expect(sleeps).toHaveLength(1);
    expect((await server.waitForMail()).messageId).toBe(receipt.messageId);
  });

  it('reports a 451 that persists as transient after the last attempt', async () => {
    server.failNext(5, 451);
    const retrying = new RetryingMailer(mailer(), { attempts: 3, sleep: async () => undefined });
    const err = await failure(retrying.send(resetMail()));
    expect(err).toBeInstanceOf(TransientMailError);
    expect(err.code).toBe('MAIL.TRANSIENT');
    expect(err.details.smtpCode).toBe(451);
    expect(server.stats).toEqual({ accepted: 0, rejected: 3 });
  });

  it('does not retry a 550 (unknown mailbox at RCPT TO): permanent, tried once', async () => {
    server.failNext(1, 550, { message: '5.1.1 <ada@example.com>: unknown mailbox', stage: 'rcpt' });
    const sleeps: number[] = [];
    const retrying = new RetryingMailer(mailer(), { attempts: 4, sleep: async (ms) => void sleeps.push(ms) });

    const err = await failure(retrying.send(resetMail()));

    expect(err).toBeInstanceOf(PermanentMailError);
    expect(err.code).toBe('MAIL.PERMANENT');
    expect(err.details).toMatchObject({ smtpCode: 550, command: expect.stringMatching(/RCPT/) });
    expect(err.message).toContain('unknown mailbox');
    expect(sleeps).toEqual([]);
    expect(server.stats).toEqual({ accepted: 0, rejected: 1 });
  });

  it('treats a 552 after DATA as permanent too', async () => {
    server.failNext(1, 552, { message: '5.3.4 Message too big' });
    const err = await failure(mailer().send(resetMail()));
    expect(err).toBeInstanceOf(PermanentMailError);
    expect(err.details.smtpCode).toBe(552);
  });

  it('reports connection refused as transient, and retries it up to the bound', async () => {
    const url = `smtp://127.0.0.1:${await freePort()}`;
    const sleeps: number[] = [];
    const retrying = new RetryingMailer(mailer(url), {
      attempts: 3,
      sleep: async (ms) => void sleeps.push(ms),
    });

    const err = await failure(retrying.send(resetMail()));

    expect(err).toBeInstanceOf(TransientMailError);
    expect(err.details.errorCode).toBe('ECONNREFUSED');
    expect(sleeps).toHaveLength(2);
  });

  it('reports a server that never greets as a transient timeout', async () => {
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      const err = await failure(
        mailer(`smtp://127.0.0.1:${port}`, { greetingTimeoutMs: 200 }).send(resetMail()),
      );
      expect(err).toBeInstanceOf(TransientMailError);
      expect(err.details.errorCode).toBe('ETIMEDOUT');
    } finally {
      silent.close();
    }
  });

  describe('with authentication', () => {
    let authServer: TestSmtpServer;
    beforeAll(async () => {
      authServer = await startSmtpServer({ auth: { user: 'mailer', pass: 'p@ss:w/rd' } });
    });
    afterAll(() => authServer.close());

    it('logs in with the credentials of SMTP_URL (percent-encoded)', async () => {
      expect(authServer.url).toBe(`smtp://mailer:p%40ss%3Aw%2Frd@127.0.0.1:${authServer.port}`);
      await mailer(authServer.url).send(resetMail());
      expect(authServer.messages).toHaveLength(1);
    });

    it('reports rejected credentials as transient: configuration, not the message, is wrong', async () => {
      const err = await failure(mailer(`smtp://mailer:wrong@127.0.0.1:${authServer.port}`).send(resetMail()));
      expect(err).toBeInstanceOf(TransientMailError);
      expect(err.details.smtpCode).toBe(535);
      expect(err.message).toContain('SMTP_URL');
    });
  });
});
