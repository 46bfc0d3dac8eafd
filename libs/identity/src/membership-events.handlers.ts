import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { eventsTopic } from '@idp/contracts';
import { fromEventMessage, InvalidEventMessage, type RecordedEvent } from '@idp/eventing';
import { reactToMembershipEvent } from './application/invitations/membership-reactions';
import type { IdentityDeps } from './application/shared/identity-deps';
import { IDENTITY_DEPS } from './identity.controller';

/**
 * Identity's consumer of `membership.events` (its consumer group on Kafka, the in-process broker when embedded):
 * the pending invitations a sign-up may name. A message that is not an event envelope, or whose data does not
 * match its contract, is logged and dropped (rethrown it would be redelivered forever and block its partition);
 * anything else that fails is thrown, and the bus redelivers it (the reaction is idempotent).
 */
@Controller()
export class MembershipEventHandlers {
  constructor(@Inject(IDENTITY_DEPS) private readonly deps: IdentityDeps) {}

  @EventPattern(eventsTopic('membership'))
  async onMembershipEvent(@Payload() value: unknown): Promise<void> {
    let event: RecordedEvent;
    try {
      // The transports hand over the parsed JSON value; the envelope decoder reads text.
      event = fromEventMessage(typeof value === 'string' ? value : JSON.stringify(value ?? null));
    } catch (err) {
      if (!(err instanceof InvalidEventMessage)) throw err;
      this.deps.logger.error(`identity: dropped a message on ${eventsTopic('membership')}`, {
        reason: err.message,
      });
      return;
    }
    await reactToMembershipEvent(this.deps, event);
  }
}
