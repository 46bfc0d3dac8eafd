import { Inject, Injectable, Logger } from '@nestjs/common';
import { IDENTITY_SEAL_CONTEXT } from '@idp/contracts';
import {
  CLOCK,
  type Clock,
  CodedError,
  type CommandResult,
  type EventStore,
  handleCommand,
  type RecordedEvent,
  SECRET_BOX,
  type SecretBox,
} from '@idp/eventing';
import {
  type DeliveryCommand,
  deliveryDecider,
  type DeliveryEvent,
  type DeliveryState,
  deliveryStream,
} from '../../domain/delivery/delivery.decider';
import { SMS_SENDER, SmsError, type SmsSender } from '../../infrastructure/sms';
import type { NotificationConfig } from '../../notification.config';
import { DELIVERY_EVENTS, NOTIFICATION_CONFIG } from '../../notification.tokens';
import type { DeliveryOutcome } from '../deliver-mail/deliver-mail.handler';
import { NotificationMetrics } from '../notification.metrics';

const TEMPLATE = 'two-factor-sms' as const;
const E164 = /^\+[1-9]\d{6,14}$/;

interface SmsCodeRequested {
  userId: string;
  smsNumber: string;
  sealedCode: string;
  expiresAt: string;
  purpose: 'enable' | 'login';
}

const parse = (data: unknown): SmsCodeRequested | undefined => {
  const d = data as Partial<SmsCodeRequested> | null;
  if (!d || typeof d !== 'object') return undefined;
  if (typeof d.userId !== 'string' || typeof d.smsNumber !== 'string' || !E164.test(d.smsNumber))
    return undefined;
  if (
    typeof d.sealedCode !== 'string' ||
    typeof d.expiresAt !== 'string' ||
    Number.isNaN(Date.parse(d.expiresAt))
  )
    return undefined;
  return d as SmsCodeRequested;
};

/**
 * Texts the two-factor code of identity's `TwoFactorSmsCodeRequested` (TFC-API §12) through the `SmsSender` port, at
 * most once per event: the same `delivery-<event id>` stream and claim/record steps as mails (`DeliverMail`), so a
 * redelivered or concurrently delivered event sends once; a transient provider failure is recorded and rethrown
 * (the bus redelivers) until the attempts are used up. The code is opened from `sealedCode` only here, goes only into
 * the message body, and is never logged or recorded. A code already expired is not sent.
 */
@Injectable()
export class DeliverSms {
  private readonly logger = new Logger('notification');

  constructor(
    @Inject(DELIVERY_EVENTS) private readonly store: EventStore,
    @Inject(SMS_SENDER) private readonly sender: SmsSender,
    @Inject(SECRET_BOX) private readonly secretBox: SecretBox,
    @Inject(NOTIFICATION_CONFIG) private readonly config: NotificationConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly metrics: NotificationMetrics,
  ) {}

  async handle(event: RecordedEvent): Promise<DeliveryOutcome> {
    if (event.type !== 'TwoFactorSmsCodeRequested') return 'ignored';
    const data = parse(event.data);
    const claim = await this.decide(event, {
      type: 'RequestDelivery',
      data: {
        eventId: event.id,
        eventType: event.type,
        template: TEMPLATE,
        userId: data?.userId ?? '',
        to: data?.smsNumber ?? '',
        leaseMs: this.config.deliveryLeaseMs,
        maxAttempts: this.config.maxDeliveryAttempts,
      },
    });
    if (claim.state.status !== 'sending') return claim.events.length === 0 ? 'duplicate' : 'failed';
    const { attempt } = claim.state;

    let body: string;
    try {
      if (!data)
        throw new CodedError('NOTIFICATION.INVALID_EVENT', 'TwoFactorSmsCodeRequested without its fields');
      const expiresAt = Date.parse(data.expiresAt);
      const now = this.clock.now().getTime();
      if (expiresAt <= now)
        throw new CodedError('NOTIFICATION.LINK_EXPIRED', 'the code expired before it was sent');
      const code = this.secretBox.open(data.sealedCode, IDENTITY_SEAL_CONTEXT.twoFactorSmsCode);
      const minutes = Math.max(1, Math.round((expiresAt - now) / 60_000));
      body = `${code} is your ${this.config.branding.productName} verification code. It expires in ${minutes} minutes.`;
    } catch (err) {
      return this.fail(event, attempt, err, false);
    }

    let messageId: string;
    try {
      ({ messageId } = await this.sender.send({
        to: data.smsNumber,
        body,
        idempotencyKey: `${event.id}:${TEMPLATE}`,
      }));
    } catch (err) {
      // Anything but a permanent refusal may succeed later: a code lost to a hiccup is worse than a retry.
      return this.fail(event, attempt, err, !(err instanceof SmsError) || err.transient);
    }
    await this.decide(event, { type: 'RecordSent', data: { attempt, messageId, duplicate: false } });
    this.metrics.sent(TEMPLATE);
    return 'sent';
  }

  private async fail(
    event: RecordedEvent,
    attempt: number,
    err: unknown,
    transient: boolean,
  ): Promise<DeliveryOutcome> {
    const code = err instanceof CodedError ? err.code : 'NOTIFICATION.UNEXPECTED';
    const message = String((err as Error)?.message ?? err).slice(0, 500);
    const result = await this.decide(event, {
      type: 'RecordFailure',
      data: { attempt, transient, error: { code, message }, maxAttempts: this.config.maxDeliveryAttempts },
    });
    if (result.events.length === 0) return 'duplicate';
    if (result.state.status === 'retrying') {
      this.metrics.failed(TEMPLATE, 'transient');
      this.logger.warn(
        `two-factor SMS for event ${event.id}: attempt ${attempt} failed, ${code}; will be redelivered`,
      );
      throw err;
    }
    this.metrics.failed(TEMPLATE, 'permanent');
    this.logger.error(`two-factor SMS for event ${event.id}: not delivered, ${code}: ${message}`);
    return 'failed';
  }

  private decide(
    event: RecordedEvent,
    command: DeliveryCommand,
  ): Promise<CommandResult<DeliveryEvent, DeliveryState>> {
    const correlationId = event.metadata.correlationId;
    return handleCommand(this.store, deliveryStream(event.id), deliveryDecider, {
      ...command,
      metadata: {
        correlationId: typeof correlationId === 'string' ? correlationId : event.id,
        causationId: event.id,
        now: this.clock.now().toISOString(),
      },
    });
  }
}
