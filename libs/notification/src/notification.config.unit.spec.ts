import { join } from 'node:path';
import { ConfigError } from '@idp/eventing';
import { loadNotificationConfig } from './notification.config';

describe('loadNotificationConfig', () => {
  const base = { DATA_DIR: '/var/lib/idp' };

  it('defaults: outbox in DATA_DIR, links on http://localhost:<PORT>, 8 attempts, 5 minute lease', () => {
    expect(loadNotificationConfig({ ...base, PORT: '8080' })).toEqual({
      mail: {
        kind: 'outbox',
        dir: join('/var/lib/idp', 'outbox'),
        sender: expect.objectContaining({ address: 'no-reply@localhost' }),
      },
      sms: { kind: 'outbox', dir: join('/var/lib/idp', 'outbox', 'sms') },
      branding: { productName: 'Terraform Platform', baseUrl: 'http://localhost:8080' },
      maxDeliveryAttempts: 8,
      deliveryLeaseMs: 300_000,
    });
    expect(loadNotificationConfig(base).branding.baseUrl).toBe('http://localhost:3000');
  });

  it('sends over SMTP when SMTP_URL is set, and reads the other settings', () => {
    const config = loadNotificationConfig({
      ...base,
      SMTP_URL: 'smtp://mail.example.com:587',
      MAIL_FROM: 'TFE <tfe@example.com>',
      PUBLIC_URL: 'https://tfe.example.com/',
      PRODUCT_NAME: 'Acme TFE',
      MAIL_MAX_DELIVERY_ATTEMPTS: '3',
      MAIL_DELIVERY_LEASE_SECONDS: '60',
    });
    expect(config.mail).toMatchObject({ kind: 'smtp', url: 'smtp://mail.example.com:587' });
    expect(config.branding).toEqual({ productName: 'Acme TFE', baseUrl: 'https://tfe.example.com' });
    expect(config.maxDeliveryAttempts).toBe(3);
    expect(config.deliveryLeaseMs).toBe(60_000);
  });

  it.each([
    [{ PUBLIC_URL: 'tfe.example.com' }, 'PUBLIC_URL'],
    [{ PUBLIC_URL: 'javascript:alert(1)' }, 'PUBLIC_URL'],
    [{ PUBLIC_URL: 'https://tfe.example.com/prefix' }, 'PUBLIC_URL'],
    [{ PUBLIC_URL: 'https://user:pw@tfe.example.com' }, 'PUBLIC_URL'],
    [{ MAIL_MAX_DELIVERY_ATTEMPTS: '0' }, 'MAIL_MAX_DELIVERY_ATTEMPTS'],
    [{ MAIL_MAX_DELIVERY_ATTEMPTS: 'many' }, 'MAIL_MAX_DELIVERY_ATTEMPTS'],
    [{ MAIL_DELIVERY_LEASE_SECONDS: '1.5' }, 'MAIL_DELIVERY_LEASE_SECONDS'],
    [{ PRODUCT_NAME: 'a\nBcc: x@y.z' }, 'PRODUCT_NAME'],
    [{ MAIL_FROM: 'not an address' }, 'MAIL_FROM'],
    [{ SMTP_URL: 'http://mail' }, 'SMTP_URL'],
  ])('refuses %j naming %s', (env, setting) => {
    let thrown: unknown;
    try {
      loadNotificationConfig({ ...base, ...env });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).setting).toBe(setting);
  });
});
