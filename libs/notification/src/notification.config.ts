import { ConfigError, loadInfraConfig } from '@idp/eventing';
import type { Branding } from './domain/templates';
import { loadMailConfig, type MailConfig } from './infrastructure/mail';
import { loadSmsConfig, type SmsConfig } from './infrastructure/sms';

/** The notification service's settings, read once when its module is registered (a bad value stops the boot). */
export interface NotificationConfig {
  mail: MailConfig;
  /** `SMS_URL` + `TWILIO_*` (a Twilio-shaped provider), else the outbox folder `<DATA_DIR>/outbox/sms`. */
  sms: SmsConfig;
  /** `PRODUCT_NAME` (default `Terraform Platform`) and `PUBLIC_URL`, on which every link in a mail is built. */
  branding: Branding;
  /**
   * `MAIL_MAX_DELIVERY_ATTEMPTS` (default 8): claims of one delivery (each already retried in-process by the
   * mailer) before a transient failure is recorded as permanent, so a mail that cannot go out never blocks its
   * partition for good.
   */
  maxDeliveryAttempts: number;
  /**
   * `MAIL_DELIVERY_LEASE_SECONDS` (default 300): how long a claimed attempt keeps other deliveries of the same
   * event from sending. Longer than the mailer's worst case (4 tries of at most a minute each); it is also how
   * long a redelivery after a crash waits before it sends again.
   */
  deliveryLeaseMs: number;
}

export const DEFAULT_PRODUCT_NAME = 'Terraform Platform';

const integer = (
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number => {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max)
    throw new ConfigError(name, `"${raw}" must be a whole number from ${min} to ${max}`);
  return value;
};

// The same rule as the gateway's PUBLIC_URL: an origin, so links and API URLs agree on where the product lives.
const publicUrl = (env: NodeJS.ProcessEnv, port: number): string => {
  const raw = env.PUBLIC_URL?.trim();
  if (!raw) return `http://localhost:${port || 3000}`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('PUBLIC_URL', `"${raw}" is not a URL (expected https://host[:port])`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ConfigError('PUBLIC_URL', `"${raw}" must use http or https`);
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== ''))
    throw new ConfigError('PUBLIC_URL', `"${raw}" must be an origin only (scheme, host and port; no path)`);
  return url.origin;
};

/**
 * Reads the settings from `env` — the same variables, and the same `loadInfraConfig`, the host reads, so the mail
 * adapter follows `SMTP_URL` and `DATA_DIR` exactly as the rest of the process does. Throws `ConfigError`.
 */
export const loadNotificationConfig = (env: NodeJS.ProcessEnv = process.env): NotificationConfig => {
  const infra = loadInfraConfig(env);
  const productName = env.PRODUCT_NAME?.trim() || DEFAULT_PRODUCT_NAME;
  if (/[\r\n]/.test(productName) || productName.length > 100)
    throw new ConfigError('PRODUCT_NAME', 'must be one line of at most 100 characters');
  return {
    mail: loadMailConfig(infra, env),
    sms: loadSmsConfig(infra, env),
    branding: { productName, baseUrl: publicUrl(env, infra.port) },
    maxDeliveryAttempts: integer(env, 'MAIL_MAX_DELIVERY_ATTEMPTS', 8, 1, 100),
    deliveryLeaseMs: integer(env, 'MAIL_DELIVERY_LEASE_SECONDS', 300, 10, 86_400) * 1000,
  };
};
