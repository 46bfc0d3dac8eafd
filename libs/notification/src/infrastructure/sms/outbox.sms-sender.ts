import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { writeOutboxFileOnce } from '../outbox-file';
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
      if (await writeOutboxFileOnce(this.dir, name, `To: ${sms.to}\n\n${sms.body}\n`))
        this.log(`sms written to ${path}`);
    } catch (err) {
      throw new SmsError(true, `SMS outbox not writable: ${(err as Error).message}`);
    }
    return { messageId: name };
  }
}
