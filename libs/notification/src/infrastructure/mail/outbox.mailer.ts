import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import { writeOutboxFileOnce } from '../outbox-file';
import { composeMail, idempotencyToken, type Sender } from './mail-message';
import {
  type MailReceipt,
  type Mailer,
  MailError,
  type OutgoingMail,
  TransientMailError,
} from './mailer.port';

export interface OutboxMailerOptions {
  /** The outbox folder, `<DATA_DIR>/outbox`; created (mode 0700) on first send. */
  dir: string;
  sender: Sender;
  /**
   * Receives one line per send naming the file. Only the path and Message-ID are logged: subject and body may
   * carry a reset or confirmation link, which is as good as a password.
   */
  log: (line: string) => void;
}

/**
 * `Mailer` for embedded mode without `SMTP_URL`: each message becomes an RFC 5322 `.eml` file in the outbox
 * folder (open it in any mail client), named after the idempotency key (`<token>.eml`, the token also being
 * the Message-ID's left part). A second send of the same key finds the file and writes nothing.
 *
 * The file appears complete or not at all: it is written and synced under a temporary name, then hard-linked
 * to its final name, which fails if that name exists — so concurrent sends of one key leave one file.
 * Files are readable by the owner only (0600): they hold live links.
 * A file-system failure (disk full, permissions) is a `TransientMailError`.
 */
export class OutboxMailer implements Mailer {
  // Builds the raw message exactly as it would go over SMTP (CRLF line ends), without sending it.
  private readonly composer = createTransport({
    streamTransport: true,
    buffer: true,
    newline: 'windows',
    disableFileAccess: true,
    disableUrlAccess: true,
  });

  constructor(private readonly options: OutboxMailerOptions) {}

  async send(message: OutgoingMail): Promise<MailReceipt> {
    const { options, messageId, recipient } = composeMail(message, this.options.sender);
    const name = `${idempotencyToken(message.idempotencyKey)}.eml`;
    const path = join(this.options.dir, name);
    try {
      const { message: raw } = await this.composer.sendMail(options);
      const written = await writeOutboxFileOnce(this.options.dir, name, raw as Buffer);
      this.options.log(
        written
          ? `mail written to outbox: ${path} (Message-ID ${messageId})`
          : `mail already in outbox, not written again: ${path} (Message-ID ${messageId})`,
      );
      return { messageId, accepted: [recipient], response: `outbox: ${path}`, duplicate: !written };
    } catch (err) {
      if (err instanceof MailError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      throw new TransientMailError(
        `could not write to the outbox ${this.options.dir}: ${(err as Error).message}`,
        code ? { errorCode: code } : {},
        { cause: err },
      );
    }
  }
}
