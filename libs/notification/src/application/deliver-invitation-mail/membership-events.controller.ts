import { Controller, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { eventsTopic } from '@idp/contracts';
import { DeliverMail } from '../deliver-mail/deliver-mail.handler';
import { receivedEvent } from '../deliver-mail/received-event';
import { NotificationMetrics } from '../notification.metrics';
import { planInvitationMail } from './invitation-mail.plans';

/**
 * The notification service's entry point for the membership service's integration events: the invitation mails.
 * Same delivery machinery and redelivery rules as the account mails (`IdentityEventsController`).
 */
@Controller()
export class MembershipEventsController {
  private readonly logger = new Logger('notification');

  constructor(
    private readonly deliver: DeliverMail,
    private readonly metrics: NotificationMetrics,
  ) {}

  @EventPattern(eventsTopic('membership'))
  async onMembershipEvent(@Payload() value: unknown): Promise<void> {
    const event = receivedEvent(value, eventsTopic('membership'), this.metrics, this.logger);
    if (event) await this.deliver.handle(event, planInvitationMail);
  }
}
