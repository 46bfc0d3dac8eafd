import { Controller, Inject, Logger } from '@nestjs/common';
import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import {
  createOrganizationRequest,
  createTeamRequest,
  type Done,
  type EntitlementsView,
  eventsTopic,
  invitationRequest,
  type InvitationView,
  inviteRequest,
  listMembershipsRequest,
  listMyMembershipsRequest,
  listOrganizationsRequest,
  listTeamMembershipsRequest,
  listTeamsRequest,
  MEMBERSHIP,
  type MembershipList,
  membershipRequest,
  type MembershipResult,
  type OrganizationList,
  organizationRequest,
  type OrganizationResult,
  setTokenTtlPoliciesRequest,
  type TeamList,
  teamMembersRequest,
  teamRequest,
  type TeamResult,
  type TokenTtlPolicyList,
  updateOrganizationRequest,
  updateTeamRequest,
  userOwnershipsRequest,
  type UserOwnershipsView,
} from '@idp/contracts';
import { answerAsRpc, fromEventMessage, InvalidEventMessage, type RecordedEvent } from '@idp/eventing';
import type { IdentityReactions } from './identity-reactions';
import type { MembershipService } from './membership.service';
import { parseRequest } from './request-errors';

export const MEMBERSHIP_SERVICE = Symbol('MEMBERSHIP_SERVICE');
export const MEMBERSHIP_IDENTITY_REACTIONS = Symbol('MEMBERSHIP_IDENTITY_REACTIONS');

/**
 * The membership service on the bus: every `MEMBERSHIP` pattern (requests from the gateway, parsed against their
 * contract schemas, domain errors answered as RPC errors), and identity's events for the process manager.
 */
@Controller()
export class MembershipHandlers {
  private readonly logger = new Logger('membership');

  constructor(
    @Inject(MEMBERSHIP_SERVICE) private readonly service: MembershipService,
    @Inject(MEMBERSHIP_IDENTITY_REACTIONS) private readonly reactions: IdentityReactions,
  ) {}

  @MessagePattern(MEMBERSHIP.createOrganization)
  createOrganization(@Payload() body: unknown): Promise<OrganizationResult> {
    return answerAsRpc(() => this.service.createOrganization(parseRequest(createOrganizationRequest, body)));
  }

  @MessagePattern(MEMBERSHIP.listOrganizations)
  listOrganizations(@Payload() body: unknown): Promise<OrganizationList> {
    return answerAsRpc(() => this.service.listOrganizations(parseRequest(listOrganizationsRequest, body)));
  }

  @MessagePattern(MEMBERSHIP.getOrganization)
  getOrganization(@Payload() body: unknown): Promise<OrganizationResult> {
    return answerAsRpc(() => this.service.getOrganization(parseRequest(organizationRequest, body)));
  }

  @MessagePattern(MEMBERSHIP.updateOrganization)
  updateOrganization(@Payload() body: unknown): Promise<OrganizationResult> {
    return answerAsRpc(() => this.service.updateOrganization(parseRequest(updateOrganizationRequest, body)));
  }

  @MessagePattern(MEMBERSHIP.deleteOrganization)
  deleteOrganization(@Payload() body: unknown): Promise<Done> {
    return answerAsRpc(() => this.service.deleteOrganization(parseRequest(organizationRequest, body)));
  }

  @MessagePattern(MEMBERSHIP.getEntitlements)
  getEntitlements(@Payload() body: unknown): Promise<EntitlementsView> {
    return answerAsRpc(() => this.service.getEntitlements(parseRequest(organizationRequest, body)));
  }

  @MessagePattern(MEMBERSHIP.getTokenTtlPolicies)
  getTokenTtlPolicies(@Payload() body: unknown): Promise<TokenTtlPolicyList> {
    return answerAsRpc(() => this.service.getTokenTtlPolicies(parseRequest(organizationRequest, body)));
  }

  @MessagePattern(MEMBERSHIP.setTokenTtlPolicies)
  setTokenTtlPolicies(@Payload() body: unknown): Promise<TokenTtlPolicyList> {
    return answerAsRpc(() =>
      this.service.setTokenTtlPolicies(parseRequest(setTokenTtlPoliciesRequest, body)),
    );
  }

  @MessagePattern(MEMBERSHIP.invite)
  invite(@Payload() body: unknown): Promise<MembershipResult> {
    return answerAsRpc(() => this.service.invite(parseRequest(inviteRequest, body)));
  }

  @MessagePattern(MEMBERSHIP.listMemberships)
  listMemberships(@Payload() body: unknown): Promise<MembershipList> {
    return answerAsRpc(() => this.service.listMemberships(parseRequest(listMembershipsRequest, body)));
  }

  @MessagePattern(MEMBERSHIP.listMyMemberships)
  listMyMemberships(@Payload() body: unknown): Promise<MembershipList> {
    return answerAsRpc(() => this.service.listMyMemberships(parseRequest(listMyMembershipsRequest, body)));
  }

  @MessagePattern(MEMBERSHIP.getMembership)
  getMembership(@Payload() body: unknown): Promise<MembershipResult> {
    return answerAsRpc(() => this.service.getMembership(parseRequest(membershipRequest, body)));
  }

  @MessagePattern(MEMBERSHIP.removeMembership)
  removeMembership(@Payload() body: unknown): Promise<Done> {
    return answerAsRpc(() => this.service.removeMembership(parseRequest(membershipRequest, body)));
  }

  @MessagePattern(MEMBERSHIP.createTeam)
  createTeam(@Payload() body: unknown): Promise<TeamResult> {
    return answerAsRpc(() => this.service.createTeam(parseRequest(createTeamRequest, body)));
  }

  @MessagePattern(MEMBERSHIP.listTeams)
  listTeams(@Payload() body: unknown): Promise<TeamList> {
    return answerAsRpc(() => this.service.listTeams(parseRequest(listTeamsRequest, body)));
  }

  @MessagePattern(MEMBERSHIP.getTeam)
  getTeam(@Payload() body: unknown): Promise<TeamResult> {
    return answerAsRpc(() => this.service.getTeam(parseRequest(teamRequest, body)));
  }

  @MessagePattern(MEMBERSHIP.updateTeam)
  updateTeam(@Payload() body: unknown): Promise<TeamResult> {
    return answerAsRpc(() => this.service.updateTeam(parseRequest(updateTeamRequest, body)));
  }

  @MessagePattern(MEMBERSHIP.deleteTeam)
  deleteTeam(@Payload() body: unknown): Promise<Done> {
    return answerAsRpc(() => this.service.deleteTeam(parseRequest(teamRequest, body)));
  }

  @MessagePattern(MEMBERSHIP.addTeamMembers)
  addTeamMembers(@Payload() body: unknown): Promise<Done> {
    return answerAsRpc(() => this.service.addTeamMembers(parseRequest(teamMembersRequest, body)));
  }

  @MessagePattern(MEMBERSHIP.removeTeamMembers)
  removeTeamMembers(@Payload() body: unknown): Promise<Done> {
    return answerAsRpc(() => this.service.removeTeamMembers(parseRequest(teamMembersRequest, body)));
  }

  @MessagePattern(MEMBERSHIP.listTeamMemberships)
  listTeamMemberships(@Payload() body: unknown): Promise<MembershipList> {
    return answerAsRpc(() =>
      this.service.listTeamMemberships(parseRequest(listTeamMembershipsRequest, body)),
    );
  }

  @MessagePattern(MEMBERSHIP.getInvitation)
  getInvitation(@Payload() body: unknown): Promise<InvitationView> {
    return answerAsRpc(() => this.service.getInvitation(parseRequest(invitationRequest, body)));
  }

  @MessagePattern(MEMBERSHIP.acceptInvitation)
  acceptInvitation(@Payload() body: unknown): Promise<MembershipResult> {
    return answerAsRpc(() => this.service.acceptInvitation(parseRequest(invitationRequest, body)));
  }

  @MessagePattern(MEMBERSHIP.userOwnerships)
  userOwnerships(@Payload() body: unknown): Promise<UserOwnershipsView> {
    return answerAsRpc(() => this.service.userOwnerships(parseRequest(userOwnershipsRequest, body)));
  }

  /**
   * Identity's events (the user mirror, sign-up acceptance, account deletion). A value that is not an event envelope
   * is logged and dropped: throwing would redeliver it forever and block the partition. Anything else that fails
   * throws, and the bus redelivers (the reaction is idempotent).
   */
  @EventPattern(eventsTopic('identity'))
  async onIdentityEvent(@Payload() value: unknown): Promise<void> {
    let event: RecordedEvent;
    try {
      event = fromEventMessage(typeof value === 'string' ? value : JSON.stringify(value));
    } catch (err) {
      if (!(err instanceof InvalidEventMessage)) throw err;
      this.logger.error(`dropped a message on ${eventsTopic('identity')}: ${err.message}`);
      return;
    }
    await this.reactions.handle(event);
  }
}
