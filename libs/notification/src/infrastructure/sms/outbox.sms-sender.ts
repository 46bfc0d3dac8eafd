import { createHash } from 'node:crypto';
import { access, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type OutgoingSms, type SmsReceipt, SmsError, type SmsSender } from './sms-sender.port';

/**
 * `SmsSender` for local use without an SMS provider: each message becomes a text file `<DATA_DIR>/outbox/sms/<key
 * hash>.txt` (`To:` line, blank line, body; mode 0600: it holds a live code), and one log line names the file (never
 * the body). A repeated idempotency key writes nothing.
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
      if (!exists) {
        await writeFile(path, `To: ${sms.to}\n\n${sms.body}\n`, { mode: 0o600, flag: 'wx' }).catch(
          (err: NodeJS.ErrnoException) => {
            if (err.code !== 'EEXIST') throw err;
          },
        );
        this.log(`sms written to ${path}`);
      }
    } catch (err) {
      throw new SmsError(true, `SMS outbox not writable: ${(err as Error).message}`);
    }
    return { messageId: name };
  }
}
