import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@idp/eventing';
import { OutboxSmsSender } from './outbox.sms-sender';
import { createSmsSender, loadSmsConfig } from './sms.config';
import { SmsError } from './sms-sender.port';
import { TwilioSmsSender } from './twilio.sms-sender';

interface Received {
  method?: string;
  url?: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A real HTTP server on 127.0.0.1 speaking Twilio's Messages API shape, answering what the test tells it to. */
const fakeTwilio = async (answer: (r: Received) => { status: number; body: unknown }) => {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const r = { method: req.method, url: req.url, headers: req.headers, body };
      received.push(r);
      const { status, body: out } = answer(r);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(out));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

const settings = (baseUrl: string) => ({
  baseUrl,
  accountSid: 'AC0123456789abcdef',
  authToken: 'auth-token-secret',
  from: '+15005550006',
});

describe('TwilioSmsSender against a real local HTTP server', () => {
  it('POSTs the form to /2010-04-01/Accounts/<sid>/Messages.json with basic auth; returns the sid', async () => {
    const twilio = await fakeTwilio(() => ({ status: 201, body: { sid: 'SM123', status: 'queued' } }));
    try {
      const receipt = await new TwilioSmsSender(settings(twilio.url)).send({
        to: '+14155550100',
        body: '123456 is your code',
        idempotencyKey: 'e1:two-factor-sms',
      });
      expect(receipt).toEqual({ messageId: 'SM123' });
      expect(twilio.received).toHaveLength(1);
      const [r] = twilio.received;
      expect(r!.method).toBe('POST');
      expect(r!.url).toBe('/2010-04-01/Accounts/AC0123456789abcdef/Messages.json');
      expect(r!.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(r!.headers.authorization).toBe(
        `Basic ${Buffer.from('AC0123456789abcdef:auth-token-secret').toString('base64')}`,
      );
      expect(Object.fromEntries(new URLSearchParams(r!.body))).toEqual({
        To: '+14155550100',
        From: '+15005550006',
        Body: '123456 is your code',
      });
    } finally {
      await twilio.close();
    }
  });

  it('400 (a bad number) is permanent, with the provider message; 429 and 503 are transient', async () => {
    let status = 400;
    const twilio = await fakeTwilio(() => ({
      status,
      body: { code: 21211, message: "The 'To' number is not a valid phone number." },
    }));
    const sender = new TwilioSmsSender(settings(twilio.url));
    const send = () => sender.send({ to: '+14155550100', body: 'x', idempotencyKey: 'k' });
    try {
      const permanent = await send().catch((e: unknown) => e);
      expect(permanent).toBeInstanceOf(SmsError);
      expect(permanent).toMatchObject({ transient: false, code: 'SMS.PERMANENT', status: 400 });
      expect((permanent as Error).message).toContain('21211');
      expect((permanent as Error).message).not.toContain('auth-token-secret');
      for (status of [429, 503])
        await expect(send()).rejects.toMatchObject({ transient: true, code: 'SMS.TRANSIENT', status });
    } finally {
      await twilio.close();
    }
  });

  it('an unreachable provider is transient', async () => {
    const twilio = await fakeTwilio(() => ({ status: 201, body: {} }));
    const url = twilio.url;
    await twilio.close();
    await expect(
      new TwilioSmsSender({ ...settings(url), timeoutMs: 2000 }).send({
        to: '+14155550100',
        body: 'x',
        idempotencyKey: 'k',
      }),
    ).rejects.toMatchObject({ transient: true, code: 'SMS.TRANSIENT' });
  });
});

describe('OutboxSmsSender', () => {
  let dir: string;
  beforeEach(async () => {
    dir = join(await mkdtemp(join(tmpdir(), 'sms-outbox-')), 'sms');
  });
  afterEach(async () => rm(join(dir, '..'), { recursive: true, force: true }));

  it('writes one owner-only file per idempotency key and logs its path, never the body', async () => {
    const lines: string[] = [];
    const sender = new OutboxSmsSender(dir, (l) => lines.push(l));
    const sms = { to: '+14155550100', body: '654321 is your code', idempotencyKey: 'e1:two-factor-sms' };
    const first = await sender.send(sms);
    const again = await sender.send(sms);
    expect(again).toEqual(first);
    const files = await readdir(dir);
    expect(files).toEqual([first.messageId]);
    expect(await readFile(join(dir, files[0]!), 'utf8')).toBe('To: +14155550100\n\n654321 is your code\n');
    expect((await stat(join(dir, files[0]!))).mode & 0o777).toBe(0o600);
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('654321');
  });
});

describe('SMS configuration', () => {
  it('outbox under DATA_DIR without SMS_URL', () => {
    expect(loadSmsConfig({ dataDir: '/data' }, {})).toEqual({ kind: 'outbox', dir: '/data/outbox/sms' });
    expect(createSmsSender(loadSmsConfig({ dataDir: '/data' }, {}), () => undefined)).toBeInstanceOf(
      OutboxSmsSender,
    );
  });
  it('SMS_URL needs the three TWILIO_* settings, no credentials in the URL, http(s) only', () => {
    const env = {
      SMS_URL: 'https://api.twilio.com/',
      TWILIO_ACCOUNT_SID: 'AC1',
      TWILIO_AUTH_TOKEN: 't',
      TWILIO_FROM: '+15005550006',
    };
    const config = loadSmsConfig({ dataDir: '/d' }, env);
    expect(config).toEqual({
      kind: 'twilio',
      baseUrl: 'https://api.twilio.com',
      accountSid: 'AC1',
      authToken: 't',
      from: '+15005550006',
    });
    expect(createSmsSender(config, () => undefined)).toBeInstanceOf(TwilioSmsSender);
    for (const missing of ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM'])
      expect(() => loadSmsConfig({ dataDir: '/d' }, { ...env, [missing]: '' })).toThrow(
        expect.objectContaining({ setting: missing }),
      );
    for (const bad of ['not a url', 'ftp://x', 'https://u:p@api.twilio.com'])
      expect(() => loadSmsConfig({ dataDir: '/d' }, { ...env, SMS_URL: bad })).toThrow(ConfigError);
  });
});
