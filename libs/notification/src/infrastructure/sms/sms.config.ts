import { ConfigError, type InfraConfig } from '@idp/eventing';
import { join } from 'node:path';
import { OutboxSmsSender } from './outbox.sms-sender';
import type { SmsSender } from './sms-sender.port';
import { TwilioSmsSender } from './twilio.sms-sender';

export type SmsConfig =
  | { kind: 'twilio'; baseUrl: string; accountSid: string; authToken: string; from: string }
  | { kind: 'outbox'; dir: string };

/**
 * `SMS_URL` (`https://api.twilio.com`, or any server speaking Twilio's Messages API) with `TWILIO_ACCOUNT_SID`,
 * `TWILIO_AUTH_TOKEN` and `TWILIO_FROM` (all required with it); without `SMS_URL`, the outbox folder
 * `<DATA_DIR>/outbox/sms`. Throws `ConfigError` naming the setting.
 */
export const loadSmsConfig = (infra: Pick<InfraConfig, 'dataDir'>, env: NodeJS.ProcessEnv): SmsConfig => {
  const raw = env.SMS_URL?.trim();
  if (!raw) return { kind: 'outbox', dir: join(infra.dataDir, 'outbox', 'sms') };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('SMS_URL', `"${raw}" is not a URL (expected https://api.twilio.com)`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new ConfigError('SMS_URL', 'must use https (or http for a local test server)');
  if (url.username || url.password)
    throw new ConfigError(
      'SMS_URL',
      'must not carry credentials (use TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN)',
    );
  const required = (name: string): string => {
    const value = env[name]?.trim();
    if (!value) throw new ConfigError(name, 'is required when SMS_URL is set');
    return value;
  };
  return {
    kind: 'twilio',
    baseUrl: url.origin + url.pathname.replace(/\/+$/, ''),
    accountSid: required('TWILIO_ACCOUNT_SID'),
    authToken: required('TWILIO_AUTH_TOKEN'),
    from: required('TWILIO_FROM'),
  };
};

export const createSmsSender = (config: SmsConfig, log: (line: string) => void): SmsSender =>
  config.kind === 'twilio' ? new TwilioSmsSender(config) : new OutboxSmsSender(config.dir, log);
