import { Controller, Inject, Logger } from '@nestjs/common';
import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import {
  createOrganizationTokenRequest,
  type CreateOrganizationTokenResult,
  type DeleteOrganizationTokenResult,
  eventsTopic,
  ORG_TOKEN,
  organizationTokenRequest,
  type OrganizationTokenView,
} from '@idp/contracts';
import { answerAsRpc, fromEventMessage, InvalidEventMessage, type RecordedEvent } from '@idp/eventing';
import type { MembershipReactions } from './membership-reactions';
import type { OrganizationTokenService } from './organization-token.service';
import { parseRequest } from './request-errors';

export const ORGANIZATION_TOKEN_SERVICE = Symbol('ORGANIZATION_TOKEN_SERVICE');
export const MEMBERSHIP_REACTIONS = Symbol('MEMBERSHIP_REACTIONS');

/**
 * Organization API tokens on the bus: requests from the gateway (already authorized there by the membership
 * service) and the membership service's events. Verification of their secrets goes through
 * `token.verify-credential` (`SessionHandlers.verify`).
 */
@Controller()
export class OrganizationTokenHandlers {
  private readonly logger = new Logger('token.organization-tokens');

  constructor(
    @Inject(ORGANIZATION_TOKEN_SERVICE) private readonly tokens: OrganizationTokenService,
    @Inject(MEMBERSHIP_REACTIONS) private readonly reactions: MembershipReactions,
  ) {}

  @MessagePattern(ORG_TOKEN.createOrganizationToken)
  create(@Payload() body: unknown): Promise<CreateOrganizationTokenResult> {
    return answerAsRpc(() => this.tokens.create(parseRequest(createOrganizationTokenRequest, body)));
  }

  @MessagePattern(ORG_TOKEN.getOrganizationToken)
  get(@Payload() body: unknown): Promise<OrganizationTokenView> {
    return answerAsRpc(() => {
      const { organizationId, kind } = parseRequest(organizationTokenRequest, body);
      return this.tokens.get(organizationId, kind);
    });
  }

  @MessagePattern(ORG_TOKEN.deleteOrganizationToken)
  delete(@Payload() body: unknown): Promise<DeleteOrganizationTokenResult> {
    return answerAsRpc(() => this.tokens.delete(parseRequest(organizationTokenRequest, body)));
  }

  /**
   * Membership's events (organization deleted or renamed). A value that is not an event envelope is logged and
   * dropped (throwing would redeliver it forever); anything else that fails throws, and the bus redelivers.
   */
  @EventPattern(eventsTopic('membership'))
  async onMembershipEvent(@Payload() value: unknown): Promise<void> {
    let event: RecordedEvent;
    try {
      event = fromEventMessage(typeof value === 'string' ? value : JSON.stringify(value));
    } catch (err) {
      if (!(err instanceof InvalidEventMessage)) throw err;
      this.logger.error(`dropped a message on ${eventsTopic('membership')}: ${err.message}`);
      return;
    }
    await this.reactions.handle(event);
  }
}
