import { createTransport, type SentMessageInfo, type Transporter } from 'nodemailer';
import { composeMail, type Sender } from './mail-message';
import { type MailReceipt, type Mailer, MailError, type OutgoingMail } from './mailer.port';
import { toMailError } from './smtp-errors';

export interface SmtpMailerOptions {
  /** `SMTP_URL`: `smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://…:465` (TLS from the start). */
  url: string;
  sender: Sender;
  /** Waiting for the TCP connection (default 10 s). */
  connectionTimeoutMs?: number;
  /** Waiting for the server's greeting once connected (default 10 s). */
  greetingTimeoutMs?: number;
  /** Inactivity on an open connection, the DATA phase included (default 60 s). */
  socketTimeoutMs?: number;
  /** Open connections at most (default 5). */
  maxConnections?: number;
}

/**
 * `Mailer` over SMTP through a nodemailer connection pool. Connections are reused across sends (up to 100
 * messages each) and closed after a minute idle; `close()` ends them. Every failure comes out as a
 * `TransientMailError` or `PermanentMailError` (see `toMailError`).
 */
export class SmtpMailer implements Mailer {
  private readonly transporter: Transporter<SentMessageInfo>;

  constructor(private readonly options: SmtpMailerOptions) {
    this.transporter = createTransport({
      url: options.url,
      pool: true,
      maxConnections: options.maxConnections ?? 5,
      maxMessages: 100,
      idleTimeout: 60_000,
      // nodemailer's defaults (2 min to connect, 10 min idle) would hold a consumer far longer than a retry.
      connectionTimeout: options.connectionTimeoutMs ?? 10_000,
      greetingTimeout: options.greetingTimeoutMs ?? 10_000,
      socketTimeout: options.socketTimeoutMs ?? 60_000,
      // Messages are rendered strings; nothing may make the mailer read a file or fetch a URL.
      disableFileAccess: true,
      disableUrlAccess: true,
      logger: false,
    });
  }

  async send(message: OutgoingMail): Promise<MailReceipt> {
    const { options, messageId } = composeMail(message, this.options.sender);
    try {
      const info = await this.transporter.sendMail(options);
      return {
        messageId,
        accepted: (info.accepted ?? []).map((a: string | { address: string }) =>
          typeof a === 'string' ? a : a.address,
        ),
        response: String(info.response ?? ''),
        duplicate: false,
      };
    } catch (err) {
      throw err instanceof MailError ? err : toMailError(err);
    }
  }

  /** Closes pooled connections; sends still in flight fail. */
  async close(): Promise<void> {
    this.transporter.close();
  }
}
