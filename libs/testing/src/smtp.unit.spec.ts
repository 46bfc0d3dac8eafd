import { createTransport } from 'nodemailer';
import { startSmtpServer, type TestSmtpServer } from './smtp';

const mail = (subject: string) => ({
  from: '"Sender" <sender@example.com>',
  to: 'Ada <ada@example.com>',
  subject,
  text: 'plain body',
  html: '<p>html body</p>',
  headers: { 'X-Long': `${'folded '.repeat(20)}end` },
});

describe('startSmtpServer', () => {
  let server: TestSmtpServer;
  beforeEach(async () => {
    server = await startSmtpServer();
  });
  afterEach(() => server.close());

  const client = (url = server.url) => createTransport({ url, logger: false });

  it('listens on 127.0.0.1 and parses what it receives', async () => {
    expect(server.url).toBe(`smtp://127.0.0.1:${server.port}`);
    await client().sendMail({ ...mail('hello'), messageId: '<id-1@example.com>' });
    const got = await server.waitForMail((m) => m.subject === 'hello');
    expect(got).toMatchObject({
      from: '"Sender" <sender@example.com>',
      to: ['ada@example.com'],
      envelope: { from: 'sender@example.com', to: ['ada@example.com'] },
      subject: 'hello',
      text: 'plain body',
      html: '<p>html body</p>',
      messageId: '<id-1@example.com>',
    });
    expect(got.headers['message-id']).toBe('<id-1@example.com>');
    expect(got.headers['x-long']).toBe(`${'folded '.repeat(20)}end`); // unfolded
    expect(got.raw.toString()).toContain('\r\n');
    expect(server.messages).toEqual([got]);
  });

  it('waits for mail still to come, and times out naming what came instead', async () => {
    const waiting = server.waitForMail((m) => m.subject === 'later', 2000);
    await client().sendMail(mail('other'));
    await client().sendMail(mail('later'));
    expect((await waiting).subject).toBe('later');
    await expect(server.waitForMail((m) => m.subject === 'never', 50)).rejects.toThrow(
      'no matching mail within 50 ms (received: "other" to ada@example.com; "later" to ada@example.com)',
    );
  });

  it('fails the next deliveries as asked, in order, at RCPT TO or after DATA', async () => {
    server.failNext(1, 451);
    server.failNext(1, 550, { stage: 'rcpt', message: 'No such user' });
    const c = client();
    await expect(c.sendMail(mail('1'))).rejects.toMatchObject({ responseCode: 451, command: 'DATA' });
    await expect(c.sendMail(mail('2'))).rejects.toMatchObject({
      responseCode: 550,
      response: expect.stringContaining('No such user'),
      command: 'RCPT TO',
    });
    await c.sendMail(mail('3'));
    expect(server.messages.map((m) => m.subject)).toEqual(['3']);
    expect(server.stats).toEqual({ accepted: 1, rejected: 2 });
    expect(() => server.failNext(1, 250)).toThrow(/not an SMTP failure/);
  });

  it('reset forgets messages and pending failures', async () => {
    await client().sendMail(mail('x'));
    server.failNext(3, 451);
    server.reset();
    await client().sendMail(mail('y'));
    expect(server.messages.map((m) => m.subject)).toEqual(['y']);
    expect(server.stats).toEqual({ accepted: 1, rejected: 0 });
  });

  it('closes promptly although a pooled client still holds a connection', async () => {
    const pooled = createTransport({ url: server.url, pool: true, logger: false });
    await pooled.sendMail(mail('pooled'));
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(2000);
    pooled.close();
    server = await startSmtpServer(); // for afterEach
  });
});

describe('startSmtpServer with auth', () => {
  it('requires the credentials, which its url carries', async () => {
    const server = await startSmtpServer({ auth: { user: 'u', pass: 'p w' } });
    try {
      expect(server.url).toBe(`smtp://u:p%20w@127.0.0.1:${server.port}`);
      await createTransport({ url: server.url, logger: false }).sendMail(mail('in'));
      await expect(
        createTransport({ url: `smtp://u:wrong@127.0.0.1:${server.port}`, logger: false }).sendMail(
          mail('x'),
        ),
      ).rejects.toMatchObject({ code: 'EAUTH', responseCode: 535 });
      await expect(
        createTransport({ url: `smtp://127.0.0.1:${server.port}`, logger: false }).sendMail(mail('x')),
      ).rejects.toMatchObject({ responseCode: 530 });
      expect(server.messages.map((m) => m.subject)).toEqual(['in']);
    } finally {
      await server.close();
    }
  });
});
