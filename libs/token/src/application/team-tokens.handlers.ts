import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  closeTeamTokensRequest,
  createTeamTokenRequest,
  type CreateTeamTokenResult,
  deleteTeamTokensRequest,
  type DeleteTeamTokensResult,
  legacyTeamTokenRequest,
  listTeamTokensRequest,
  type ListTeamTokensResult,
  TEAM_TOKEN,
  teamTokenRequest,
  type TeamTokenView,
} from '@idp/contracts';
import { answerAsRpc } from '@idp/eventing';
import { parseRequest } from './request-errors';
import type { TeamTokenService } from './team-token.service';

export const TEAM_TOKEN_SERVICE = Symbol('TEAM_TOKEN_SERVICE');

/**
 * Team API tokens on the bus: requests from the gateway, already authorized there by the membership service.
 * Verification of their secrets goes through `token.verify-credential` (`SessionHandlers.verify`); membership's
 * events (team or organization deleted) arrive through `OrganizationTokenHandlers.onMembershipEvent`.
 */
@Controller()
export class TeamTokenHandlers {
  constructor(@Inject(TEAM_TOKEN_SERVICE) private readonly tokens: TeamTokenService) {}

  @MessagePattern(TEAM_TOKEN.createTeamToken)
  create(@Payload() body: unknown): Promise<CreateTeamTokenResult> {
    return answerAsRpc(() => this.tokens.create(parseRequest(createTeamTokenRequest, body)));
  }

  @MessagePattern(TEAM_TOKEN.getTeamToken)
  get(@Payload() body: unknown): Promise<TeamTokenView> {
    return answerAsRpc(() => this.tokens.get(parseRequest(teamTokenRequest, body).tokenId));
  }

  @MessagePattern(TEAM_TOKEN.getLegacyTeamToken)
  getLegacy(@Payload() body: unknown): Promise<TeamTokenView> {
    return answerAsRpc(() => this.tokens.getLegacy(parseRequest(legacyTeamTokenRequest, body).teamId));
  }

  @MessagePattern(TEAM_TOKEN.listTeamTokens)
  list(@Payload() body: unknown): Promise<ListTeamTokensResult> {
    return answerAsRpc(async () => {
      const { organizationId, teamIds } = parseRequest(listTeamTokensRequest, body);
      return { tokens: await this.tokens.list(organizationId, teamIds) };
    });
  }

  @MessagePattern(TEAM_TOKEN.deleteTeamTokens)
  delete(@Payload() body: unknown): Promise<DeleteTeamTokensResult> {
    return answerAsRpc(() => this.tokens.delete(parseRequest(deleteTeamTokensRequest, body)));
  }

  @MessagePattern(TEAM_TOKEN.closeTeamTokens)
  close(@Payload() body: unknown): Promise<DeleteTeamTokensResult> {
    return answerAsRpc(async () => {
      const request = parseRequest(closeTeamTokensRequest, body);
      const metadata = {
        ...(request.meta.actor ? { actor: request.meta.actor } : {}),
        ...(request.meta.correlationId ? { correlationId: request.meta.correlationId } : {}),
      };
      const tokenIds =
        'teamId' in request
          ? await this.tokens.closeTeam(request.teamId, 'team-deleted', metadata)
          : await this.tokens.closeOrganization(request.organizationId, metadata);
      return { revoked: true as const, tokenIds };
    });
  }

  @MessagePattern(TEAM_TOKEN.deleteLegacyTeamToken)
  deleteLegacy(@Payload() body: unknown): Promise<DeleteTeamTokensResult> {
    return answerAsRpc(() => this.tokens.deleteLegacy(parseRequest(legacyTeamTokenRequest, body)));
  }
}
