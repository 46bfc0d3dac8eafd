import { randomBytes } from 'node:crypto';
import { IDENTITY_SEAL_CONTEXT } from '@idp/contracts';
import { InMemoryEventStore, type RecordedEvent, SecretBox, uuidv7 } from '@idp/eventing';
import { deliveryStream } from '../../domain/delivery/delivery.decider';
import { type OutgoingSms, SmsError, type SmsSender } from '../../infrastructure/sms';
import type { NotificationConfig } from '../../notification.config';
import type { DeliveryLog } from '../deliveries/delivery-log';
import { NotificationMetrics } from '../notification.metrics';
import { DeliverSms } from './deliver-sms.handler';

const box = new SecretBox([randomBytes(32)]);
const NOW = Date.parse('2026-12-06T10:00:00.000Z');

class FakeSender implements SmsSender {
  readonly sent: OutgoingSms[] = [];
  failures: SmsError[] = [];
  async send(sms: OutgoingSms) {
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.sent.push(sms);
    return { messageId: `SM${this.sent.length}` };
  }
}

const config = {
  branding: { productName: 'Acme TF', baseUrl: 'http://x' },
  deliveryLeaseMs: 60_000,
  maxDeliveryAttempts: 3,
} as unknown as NotificationConfig;

const requested = (
  code: string,
  expiresInMs = 600_000,
  data: Record<string, unknown> = {},
): RecordedEvent => ({
  id: uuidv7(),
  type: 'TwoFactorSmsCodeRequested',
  data: {
    userId: 'user-1',
    smsNumber: '+14155550100',
    sealedCode: box.seal(code, IDENTITY_SEAL_CONTEXT.twoFactorSmsCode),
    expiresAt: new Date(NOW + expiresInMs).toISOString(),
    purpose: 'login',
    ...data,
  },
  schemaVersion: 1,
  metadata: { correlationId: 'c1' },
  stream: 'account-user-1',
  revision: 3,
  position: 10n,
  occurredAt: new Date(NOW),
});

const setUp = () => {
  const store = new InMemoryEventStore();
  const sender = new FakeSender();
  const deliver = new DeliverSms(
    store,
    sender,
    box,
    config,
    { now: () => new Date(NOW) },
    new NotificationMetrics({} as DeliveryLog),
  );
  return { store, sender, deliver };
};

describe('DeliverSms', () => {
  it('texts the opened code to the number, once per event (redelivered and concurrent deliveries send nothing more)', async () => {
    const { store, sender, deliver } = setUp();
    const event = requested('123456');
    const outcomes = await Promise.allSettled([
      deliver.handle(event),
      deliver.handle(event),
      deliver.handle(event),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled' && o.value === 'sent')).toHaveLength(1);
    await expect(deliver.handle(event)).resolves.toBe('duplicate');
    expect(sender.sent).toEqual([
      {
        to: '+14155550100',
        body: '123456 is your Acme TF verification code. It expires in 10 minutes.',
        idempotencyKey: `${event.id}:two-factor-sms`,
      },
    ]);
    const log = JSON.stringify(await store.readStream(deliveryStream(event.id)), (_k, v: unknown) =>
      typeof v === 'bigint' ? String(v) : v,
    );
    expect(log).toContain('DeliverySucceeded');
    expect(log).not.toContain('123456');
  });

  it('a transient provider failure is recorded and rethrown (redelivery), then sent', async () => {
    const { sender, deliver } = setUp();
    sender.failures.push(new SmsError(true, 'provider 503', 503));
    const event = requested('222222');
    await expect(deliver.handle(event)).rejects.toBeInstanceOf(SmsError);
    await expect(deliver.handle(event)).resolves.toBe('sent');
    expect(sender.sent).toHaveLength(1);
  });

  it('a permanent refusal, an expired code, a code sealed for something else or a malformed event: failed, not sent', async () => {
    const { sender, deliver } = setUp();
    sender.failures.push(new SmsError(false, 'bad number', 400));
    await expect(deliver.handle(requested('333333'))).resolves.toBe('failed');
    await expect(deliver.handle(requested('444444', -1))).resolves.toBe('failed');
    const wrongContext = requested('555555', 600_000, { sealedCode: box.seal('555555', 'password-reset') });
    await expect(deliver.handle(wrongContext)).resolves.toBe('failed');
    await expect(deliver.handle(requested('666666', 600_000, { smsNumber: '555-0100' }))).resolves.toBe(
      'failed',
    );
    expect(sender.sent).toEqual([]);
  });

  it('other events are not its business', async () => {
    const { deliver } = setUp();
    await expect(deliver.handle({ ...requested('1'), type: 'TwoFactorEnabled' })).resolves.toBe('ignored');
  });
});
