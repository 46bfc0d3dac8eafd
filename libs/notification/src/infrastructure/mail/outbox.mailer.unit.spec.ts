import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { passwordResetMail } from '../../domain';
import { messageIdFor, parseSender } from './mail-message';
import { type OutgoingMail, PermanentMailError, TransientMailError } from './mailer.port';
import { OutboxMailer } from './outbox.mailer';

const sender = parseSender('"Terraform Platform" <no-reply@localhost>')!;
const resetLink = 'http://localhost:3000/account/reset-password?token=s3cr3t-reset-token';

const message = (overrides: Partial<OutgoingMail> = {}): OutgoingMail => ({
  to: 'ada@example.com',
  ...passwordResetMail(
    { productName: 'Terraform Platform', baseUrl: 'http://localhost:3000' },
    { username: 'ada', token: 's3cr3t-reset-token', expiresAt: '2025-03-01T10:00:00Z' },
  ),
  idempotencyKey: 'event-1:password-reset',
  ...overrides,
});

describe('OutboxMailer', () => {
  let dataDir: string;
  let dir: string;
  let lines: string[];
  let outbox: OutboxMailer;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'outbox-'));
    dir = join(dataDir, 'outbox');
    lines = [];
    outbox = new OutboxMailer({ dir, sender, log: (line) => lines.push(line) });
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  it('writes one RFC 5322 .eml file that mailparser reads back whole', async () => {
    const sent = message();
    const receipt = await outbox.send(sent);

    const files = await readdir(dir);
    expect(files).toEqual([expect.stringMatching(/^[0-9a-f]{32}\.eml$/)]);
    const path = join(dir, files[0]);
    expect(receipt).toEqual({
      messageId: messageIdFor(sent.idempotencyKey, 'localhost'),
      accepted: ['ada@example.com'],
      response: `outbox: ${path}`,
      duplicate: false,
    });
    const raw = await readFile(path);
    expect(raw.toString('latin1')).toMatch(/\r\n\r\n/); // CRLF, as on the wire
    const parsed = await simpleParser(raw);
    expect(parsed.messageId).toBe(receipt.messageId);
    expect(parsed.from?.text).toBe('"Terraform Platform" <no-reply@localhost>');
    expect(parsed.subject).toBe(sent.subject);
    expect(parsed.text?.trim()).toBe(sent.text.trim());
    expect(parsed.html).toContain(resetLink);
    expect(parsed.text).toContain(resetLink);
  });

  it('names the file after the idempotency key: a second send of one key writes nothing', async () => {
    const first = await outbox.send(message());
    const again = await outbox.send(message({ subject: 'changed' }));
    await outbox.send(message({ idempotencyKey: 'event-2:password-reset' }));
    const racing = await Promise.all(
      Array.from({ length: 5 }, () => outbox.send(message({ idempotencyKey: 'event-3:password-reset' }))),
    );

    expect(racing.filter((r) => !r.duplicate)).toHaveLength(1);
    const files = await readdir(dir);
    expect(files).toHaveLength(3); // one per key, and no temporary file left behind
    expect(again).toEqual({ ...first, duplicate: true });
    const content = await simpleParser(await readFile(join(dir, `${first.messageId.slice(1, 33)}.eml`)));
    expect(content.subject).toBe(message().subject);
  });

  it('logs one line per send with the path and Message-ID, never the subject, link or body', async () => {
    const receipt = await outbox.send(message());
    await outbox.send(message());

    expect(lines).toHaveLength(2);
    const path = receipt.response.replace('outbox: ', '');
    expect(lines[0]).toBe(`mail written to outbox: ${path} (Message-ID ${receipt.messageId})`);
    expect(lines[1]).toContain(path);
    expect(lines[1]).toContain('already in outbox');
    for (const line of lines) {
      expect(line).not.toContain('s3cr3t');
      expect(line).not.toContain(message().subject);
      expect(line).not.toContain('ada@example.com');
    }
  });

  it('keeps the files (live links) private to the owner', async () => {
    const { response } = await outbox.send(message());
    expect((await stat(response.replace('outbox: ', ''))).mode & 0o777).toBe(0o600);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
  });

  it('refuses an invalid address as permanent and writes nothing', async () => {
    await expect(outbox.send(message({ to: 'nobody' }))).rejects.toBeInstanceOf(PermanentMailError);
    await expect(readdir(dir)).rejects.toThrow(/ENOENT/);
    expect(lines).toEqual([]);
  });

  it('reports a folder it cannot write as transient', async () => {
    await writeFile(dir, 'a file where the folder should be');
    const err = await outbox.send(message()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientMailError);
    expect((err as TransientMailError).code).toBe('MAIL.TRANSIENT');
    expect(lines).toEqual([]);
  });
});
