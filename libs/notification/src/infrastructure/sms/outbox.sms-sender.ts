import { createHash, randomBytes } from 'node:crypto';
import { access, link, mkdir, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { type OutgoingSms, type SmsReceipt, SmsError, type SmsSender } from './sms-sender.port';

/**
 * `SmsSender` for local use without an SMS provider: each message becomes a text file `<DATA_DIR>/outbox/sms/<key
 * hash>.txt` (`To:` line, blank line, body; mode 0600: it holds a live code), and one log line names the file (never
 * the body). A repeated idempotency key writes nothing. Written whole or not at all (a hidden temporary file linked into
 * place, as the mail outbox does), so a reader never sees a half-written text.
 */
export class OutboxSmsSender implements SmsSender {
  constructor(
    private readonly dir: string,
    private readonly log: (line: string) => void,
  ) {}

  async send(sms: OutgoingSms): Promise<SmsReceipt> {
    const name = `${createHash('sha256').update(sms.idempotencyKey).digest('hex').slice(0, 32)}.txt`;
    const path = join(this.dir, name);
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      const exists = await access(path).then(
        () => true,
        () => false,
      );
      if (!exists && (await this.writeOnce(path, `To: ${sms.to}\n\n${sms.body}\n`)))
        this.log(`sms written to ${path}`);
    } catch (err) {
      throw new SmsError(true, `SMS outbox not writable: ${(err as Error).message}`);
    }
    return { messageId: name };
  }

  /** Writes `text` to `path` atomically unless it exists; true when this call wrote it. */
  private async writeOnce(path: string, text: string): Promise<boolean> {
    const temp = join(this.dir, `.${randomBytes(8).toString('hex')}.tmp`);
    try {
      const file = await open(temp, 'wx', 0o600);
      try {
        await file.writeFile(text);
        await file.sync();
      } finally {
        await file.close();
      }
      await link(temp, path);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    } finally {
      await unlink(temp).catch(() => undefined);
    }
  }
}
