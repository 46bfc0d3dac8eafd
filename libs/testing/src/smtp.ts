import type { AddressInfo } from 'node:net';
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';

/** One message the test server accepted, parsed by mailparser. */
export interface ReceivedMail {
  /** The `From` header as written (`"Name" <address>`). */
  from: string;
  /** Addresses of the `To` header. */
  to: string[];
  /** The SMTP envelope (`MAIL FROM`, `RCPT TO`), which may differ from the headers. */
  envelope: { from: string; to: string[] };
  subject: string;
  text: string;
  /** The HTML part, or `undefined` when the message has none. */
  html: string | undefined;
  /** The `Message-ID` header, angle brackets included. */
  messageId: string | undefined;
  /** Header values by lower-cased name, unfolded, as sent (the first occurrence of a repeated header). */
  headers: Record<string, string>;
  /** The message as received, CRLF line ends, for byte-level assertions. */
  raw: Buffer;
}

/** When a rejection set up by `failNext` is answered: at `RCPT TO` (recipient refused) or after `DATA`. */
export type SmtpFailureStage = 'rcpt' | 'data';

export interface TestSmtpServer {
  /** `smtp://[user:pass@]127.0.0.1:<port>`, ready for `SMTP_URL`. */
  readonly url: string;
  readonly port: number;
  /** Every accepted message, in arrival order. Rejected deliveries are not here. */
  readonly messages: readonly ReceivedMail[];
  /** How many deliveries were accepted and how many refused by `failNext`. */
  readonly stats: { readonly accepted: number; readonly rejected: number };
  /**
   * The first message, already received or still to come, for which `predicate` holds. Rejects after
   * `timeoutMs` naming what did arrive, so a failing test says why.
   */
  waitForMail(predicate?: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  /**
   * Refuses the next `count` deliveries with SMTP reply `code` (451: transient, 550: permanent), at
   * `RCPT TO` or, by default, after the message data. Calls add up: `failNext(1, 451); failNext(1, 550)`
   * refuses one with 451, then one with 550.
   */
  failNext(count: number, code: number, options?: { message?: string; stage?: SmtpFailureStage }): void;
  /** Forgets received messages and pending failures. */
  reset(): void;
  /** Stops listening and drops open connections (a pooled client sees 421 and reconnects elsewhere). */
  close(): Promise<void>;
}

export interface StartSmtpServerOptions {
  /** Require `AUTH` with these credentials (PLAIN/LOGIN over plain TCP); without it any client may send. */
  auth?: { user: string; pass: string };
  /** Largest message accepted, in bytes (default 10 MiB); bigger ones get 552. */
  maxSize?: number;
}

interface PlannedFailure {
  code: number;
  message: string;
  stage: SmtpFailureStage;
}

const replyError = (failure: PlannedFailure): Error & { responseCode: number } =>
  Object.assign(new Error(failure.message), { responseCode: failure.code });

const addresses = (header: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(header) ? header : header ? [header] : []).flatMap((h) =>
    h.value.map((a) => a.address ?? '').filter(Boolean),
  );

const readAll = async (stream: SMTPServerDataStream): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

/**
 * A real SMTP server for tests, in this process, on 127.0.0.1 and an ephemeral port. STARTTLS is not
 * offered, so clients speak plain SMTP (as to a local mail catcher); every accepted message is parsed with
 * mailparser into `messages`.
 */
export const startSmtpServer = async (options: StartSmtpServerOptions = {}): Promise<TestSmtpServer> => {
  const messages: ReceivedMail[] = [];
  const waiters = new Set<(mail: ReceivedMail) => void>();
  let failures: PlannedFailure[] = [];
  const stats = { accepted: 0, rejected: 0 };

  const takeFailure = (stage: SmtpFailureStage): PlannedFailure | undefined =>
    failures[0]?.stage === stage ? failures.shift() : undefined;

  const server = new SMTPServer({
    name: 'test-smtp.localhost',
    logger: false,
    // Loopback clients only: a reverse DNS lookup per connection would only add latency.
    disableReverseLookup: true,
    disabledCommands: options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !options.auth,
    allowInsecureAuth: true,
    size: options.maxSize ?? 10 * 1024 * 1024,
    rejectOversized: true,
    // A pooled client keeps idle connections; closing must not wait the default 30 s for them.
    closeTimeout: 100,
    onAuth(auth, _session, callback) {
      const ok = options.auth && auth.username === options.auth.user && auth.password === options.auth.pass;
      if (!ok)
        return callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      callback(null, { user: auth.username });
    },
    onRcptTo(_address, _session, callback) {
      const failure = takeFailure('rcpt');
      if (!failure) return callback();
      stats.rejected++;
      callback(replyError(failure));
    },
    onData(stream, session, callback) {
      readAll(stream)
        .then(async (raw) => {
          const failure = takeFailure('data');
          if (failure) {
            stats.rejected++;
            return callback(replyError(failure));
          }
          const parsed = await simpleParser(raw);
          const headers: Record<string, string> = {};
          for (const { key, line } of parsed.headerLines) {
            if (!(key in headers))
              headers[key] = line
                .slice(line.indexOf(':') + 1)
                .replace(/\r?\n[ \t]+/g, ' ')
                .trim();
          }
          const mail: ReceivedMail = {
            from: parsed.from?.text ?? '',
            to: addresses(parsed.to),
            envelope: {
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
            },
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: parsed.html || undefined,
            messageId: parsed.messageId,
            headers,
            raw,
          };
          stats.accepted++;
          messages.push(mail);
          // Reply before notifying, so a waiting test sees the client's send resolve too.
          callback();
          for (const w of [...waiters]) w(mail);
        })
        .catch((err: unknown) => callback(err instanceof Error ? err : new Error(String(err))));
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.server.address() as AddressInfo;
  const credentials = options.auth
    ? `${encodeURIComponent(options.auth.user)}:${encodeURIComponent(options.auth.pass)}@`
    : '';

  return {
    url: `smtp://${credentials}127.0.0.1:${port}`,
    port,
    messages,
    stats,
    waitForMail(predicate = () => true, timeoutMs = 5000) {
      const found = messages.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise<ReceivedMail>((resolve, reject) => {
        const waiter = (mail: ReceivedMail) => {
          if (!predicate(mail)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(mail);
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          const seen = messages.map((m) => `"${m.subject}" to ${m.to.join(', ')}`).join('; ') || 'none';
          reject(new Error(`no matching mail within ${timeoutMs} ms (received: ${seen})`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    failNext(count, code, { message, stage = 'data' } = {}) {
      if (!Number.isInteger(code) || code < 400 || code > 599)
        throw new Error(`failNext: ${code} is not an SMTP failure reply (4xx or 5xx)`);
      const reply =
        message ?? (code < 500 ? 'Requested action aborted: try again later' : 'Mailbox unavailable');
      for (let i = 0; i < count; i++) failures.push({ code, message: reply, stage });
    },
    reset() {
      messages.length = 0;
      failures = [];
      stats.accepted = 0;
      stats.rejected = 0;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};
