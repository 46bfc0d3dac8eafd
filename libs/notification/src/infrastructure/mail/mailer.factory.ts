import { join } from 'node:path';
import { ConfigError, type InfraConfig } from '@idp/eventing';
import { DEFAULT_MAIL_FROM, parseSender, type Sender } from './mail-message';
import type { Mailer } from './mailer.port';
import { OutboxMailer } from './outbox.mailer';
import { type RetryOptions, RetryingMailer } from './retrying.mailer';
import { SmtpMailer } from './smtp.mailer';

/** Everything the mail layer needs, read once at boot. */
export type MailConfig =
  { kind: 'smtp'; url: string; sender: Sender } | { kind: 'outbox'; dir: string; sender: Sender };

/**
 * Reads the mail settings: SMTP when `SMTP_URL` is set (already validated by `loadInfraConfig`), else the
 * outbox folder `<DATA_DIR>/outbox`; the sender from `MAIL_FROM` (default `"Terraform Platform"
 * <no-reply@localhost>`), whose domain also ends every Message-ID. A bad `MAIL_FROM` is a `ConfigError`.
 */
export const loadMailConfig = (
  infra: Pick<InfraConfig, 'smtpUrl' | 'dataDir'>,
  env: NodeJS.ProcessEnv = process.env,
): MailConfig => {
  const from = env.MAIL_FROM?.trim() || DEFAULT_MAIL_FROM;
  const sender = parseSender(from);
  if (!sender)
    throw new ConfigError(
      'MAIL_FROM',
      `"${from}" is not one e-mail address (expected e.g. "Terraform Platform" <no-reply@example.com>)`,
    );
  return infra.smtpUrl
    ? { kind: 'smtp', url: infra.smtpUrl, sender }
    : { kind: 'outbox', dir: join(infra.dataDir, 'outbox'), sender };
};

/** A mailer whose pooled connections (if any) must be closed at shutdown. */
export type ClosableMailer = Mailer & { close(): Promise<void> };

/**
 * The process's `Mailer`: the configured adapter behind `RetryingMailer`. `log` receives the outbox's one
 * line per message (pass the service logger); SMTP logs nothing per message.
 */
export const createMailer = (
  config: MailConfig,
  deps: { log: (line: string) => void; retry?: RetryOptions },
): ClosableMailer => {
  const adapter =
    config.kind === 'smtp'
      ? new SmtpMailer({ url: config.url, sender: config.sender })
      : new OutboxMailer({ dir: config.dir, sender: config.sender, log: deps.log });
  return new RetryingMailer(adapter, deps.retry);
};
