import { Controller, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { eventsTopic } from '@idp/contracts';
import { fromEventMessage, type RecordedEvent } from '@idp/eventing';
import { NotificationMetrics } from '../notification.metrics';
import { DeliverAccountMail } from './deliver-account-mail.handler';

/**
 * The notification service's entry point for identity's integration events (its consumer group on Kafka, the
 * in-process broker when embedded). A handler that throws is redelivered by the bus: only transient delivery
 * failures with attempts left, and a delivery another member holds, do so.
 */
@Controller()
export class IdentityEventsController {
  private readonly logger = new Logger('notification');

  constructor(
    private readonly deliver: DeliverAccountMail,
    private readonly metrics: NotificationMetrics,
  ) {}

  @EventPattern(eventsTopic('identity'))
  async onIdentityEvent(@Payload() value: unknown): Promise<void> {
    let event: RecordedEvent;
    try {
      // The transports hand over the parsed JSON value; the envelope decoder reads text.
      event = fromEventMessage(typeof value === 'string' ? value : JSON.stringify(value ?? null));
    } catch (err) {
      // Not an envelope: it never will be. Thrown, it would be redelivered forever and block its partition.
      this.metrics.invalidMessage();
      this.logger.error(`dropped a message on ${eventsTopic('identity')}: ${(err as Error).message}`);
      return;
    }
    await this.deliver.handle(event);
  }
}
