import { Controller, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { eventsTopic } from '@idp/contracts';
import { DeliverMail } from '../deliver-mail/deliver-mail.handler';
import { DeliverSms } from '../deliver-sms/deliver-sms.handler';
import { receivedEvent } from '../deliver-mail/received-event';
import { NotificationMetrics } from '../notification.metrics';
import { planAccountMail } from './account-mail.plans';

/**
 * The notification service's entry point for identity's integration events (its consumer group on Kafka, the
 * in-process broker when embedded). A handler that throws is redelivered by the bus: only transient delivery
 * failures with attempts left, and a delivery another member holds, do so.
 */
@Controller()
export class IdentityEventsController {
  private readonly logger = new Logger('notification');

  constructor(
    private readonly deliver: DeliverMail,
    private readonly metrics: NotificationMetrics,
    private readonly sms: DeliverSms,
  ) {}

  @EventPattern(eventsTopic('identity'))
  async onIdentityEvent(@Payload() value: unknown): Promise<void> {
    const event = receivedEvent(value, eventsTopic('identity'), this.metrics, this.logger);
    if (!event) return;
    // Two-factor codes go by SMS; every other event is a mail or nothing.
    if (event.type === 'TwoFactorSmsCodeRequested') await this.sms.handle(event);
    else await this.deliver.handle(event, planAccountMail);
  }
}
