import { MEMBERSHIP, type MembershipIncluded } from '@idp/contracts';
import {
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Patch,
  Post,
  Query,
  UseInterceptors,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiCookieAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ServiceClient } from '../bus/service-client';
import { JSON_API_MEDIA_TYPE } from '../errors/json-api-error';
import { JsonApiController } from '../http/json-api-controller';
import { CurrentContext, CurrentUrl, type RequestContext } from '../http/request-context';
import { listDocument, singleDocument } from '../jsonapi/document';
import { paginate, parsePage } from '../jsonapi/pagination';
import { parseInclude, type QueryParams } from '../jsonapi/query-params';
import type { RequestUrl } from '../jsonapi/request-url';
import type { ResourceIdentifier, ResourceObject } from '../jsonapi/resource';
import { type JsonApiInput, JsonApiBody, JsonApiIdentifiers } from '../validation/json-api-body';
import { ApiJsonApiBody } from '../validation/openapi';
import { pathId } from './account-input';
import {
  createTeamBody,
  LIST_MAX,
  listFilter,
  organizationPathName,
  RESOURCE_ID,
  SEARCH_MAX,
  statusFilter,
  TEAM_NAME_MAX,
  teamChanges,
  textParam,
  updateTeamBody,
} from './membership-input';
import {
  includedFor,
  membershipIncludes,
  membershipListDocument,
  serviceIncludes,
  teamIncludes,
  teamResource,
} from './membership-resources';
import { NoStore } from './no-store';
import { TeamTokenAccess } from './team-tokens.controller';

const TEAM_INCLUDES = ['users', 'organization-memberships'];

/** `included` of a team document for the include names asked. */
const teamIncluded = (
  data: readonly ResourceObject[],
  included: MembershipIncluded,
  include: readonly string[],
): { included?: ResourceObject[] } =>
  include.length > 0 ? { included: includedFor(data, included, teamIncludes(include)) } : {};

/** The ids of a team-member body, each once, in order. */
const ids = (identifiers: readonly ResourceIdentifier[]): string[] => [
  ...new Set(identifiers.map((i) => i.id)),
];

const identifierList = (type: string, example: string) =>
  ApiBody({
    schema: {
      type: 'object',
      required: ['data'],
      properties: {
        data: {
          type: 'array',
          minItems: 1,
          maxItems: LIST_MAX,
          items: {
            type: 'object',
            required: ['type', 'id'],
            properties: { type: { type: 'string', enum: [type] }, id: { type: 'string', example } },
          },
        },
      },
    },
  });

/**
 * Teams (TFC-API §8) and team membership (§9). Visibility of secret teams, who may create, rename, delete, change
 * organization access or membership: all the membership service's decisions. Team-member changes answer 204.
 */
@ApiTags('teams')
@ApiBearerAuth()
@ApiCookieAuth()
@JsonApiController()
@UseInterceptors(NoStore)
export class TeamsController {
  constructor(
    private readonly services: ServiceClient,
    private readonly teamTokens: TeamTokenAccess,
  ) {}

  @Get('organizations/:organization_name/teams')
  @ApiOperation({
    summary: "List an organization's teams",
    description:
      '`q` (name), `filter[names]` (comma list, exact), `include=users,organization-memberships`, pagination. ' +
      'Secret teams only for their members and those who may see them.',
  })
  async list(
    @CurrentContext() context: RequestContext,
    @Param('organization_name') name: string,
    @Query() query: QueryParams,
    @CurrentUrl() url: RequestUrl,
  ) {
    const include = parseInclude(query, TEAM_INCLUDES);
    const page = parsePage(query);
    const q = textParam(query, 'q', SEARCH_MAX);
    const names = listFilter(query, 'names', TEAM_NAME_MAX);
    const reply = await this.services.request(
      MEMBERSHIP.listTeams,
      {
        organization: organizationPathName(name),
        ...(q ? { q } : {}),
        ...(names ? { names } : {}),
        page: { number: page.number, size: page.size },
        include: serviceIncludes(teamIncludes(include)),
      },
      { context },
    );
    const data = reply.teams.map(teamResource);
    return listDocument(data, {
      pagination: paginate(page, reply.total, url),
      ...teamIncluded(data, reply.included, include),
    });
  }

  @Post('organizations/:organization_name/teams')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary: 'Create a team',
    description:
      '201 (TFC documents 200; go-tfe accepts any 2xx, TFC-API §14). `allow-team-token-management` is accepted ' +
      'as an alias of `allow-member-token-management`.',
  })
  @ApiJsonApiBody(createTeamBody)
  async create(
    @CurrentContext() context: RequestContext,
    @Param('organization_name') name: string,
    @JsonApiBody(createTeamBody) body: JsonApiInput<typeof createTeamBody>,
  ) {
    const reply = await this.services.request(
      MEMBERSHIP.createTeam,
      {
        organization: organizationPathName(name),
        ...teamChanges(body.attributes),
        name: body.attributes.name,
      },
      { context },
    );
    return singleDocument(teamResource(reply.team));
  }

  @Get('teams/:team_id')
  @ApiOperation({ summary: 'Show a team', description: '`include=users,organization-memberships`.' })
  async show(
    @CurrentContext() context: RequestContext,
    @Param('team_id') teamId: string,
    @Query() query: QueryParams,
  ) {
    const include = parseInclude(query, TEAM_INCLUDES);
    const reply = await this.services.request(
      MEMBERSHIP.getTeam,
      {
        teamId: pathId(teamId),
        include: serviceIncludes(teamIncludes(include)),
      },
      { context },
    );
    const data = teamResource(reply.team);
    return singleDocument(data, teamIncluded([data], reply.included, include));
  }

  @Patch('teams/:team_id')
  @ApiOperation({ summary: 'Update a team', description: 'All attributes optional.' })
  @ApiJsonApiBody(updateTeamBody)
  async update(
    @CurrentContext() context: RequestContext,
    @Param('team_id') teamId: string,
    @JsonApiBody(updateTeamBody) body: JsonApiInput<typeof updateTeamBody>,
  ) {
    const reply = await this.services.request(
      MEMBERSHIP.updateTeam,
      {
        teamId: pathId(teamId),
        ...teamChanges(body.attributes),
      },
      { context },
    );
    return singleDocument(teamResource(reply.team));
  }

  @Delete('teams/:team_id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete a team', description: '204. The owners team cannot be deleted.' })
  async destroy(@CurrentContext() context: RequestContext, @Param('team_id') teamId: string): Promise<void> {
    await this.services.request(MEMBERSHIP.deleteTeam, { teamId: pathId(teamId) }, { context });
    // Its tokens stop working on the very next request (TFC-API §5.1).
    await this.teamTokens.closeTokensOf({ teamId: pathId(teamId) }, context);
  }

  @Post('teams/:team_id/relationships/users')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Add users to a team',
    description: '`{"data":[{"type":"users","id":"<username>"}]}` (user ids accepted too). 204.',
  })
  @ApiConsumes(JSON_API_MEDIA_TYPE, 'application/json')
  @identifierList('users', 'ada')
  async addUsers(
    @CurrentContext() context: RequestContext,
    @Param('team_id') teamId: string,
    @JsonApiIdentifiers({ type: 'users', max: LIST_MAX, id: RESOURCE_ID }) users: ResourceIdentifier[],
  ): Promise<void> {
    await this.services.request(
      MEMBERSHIP.addTeamMembers,
      { teamId: pathId(teamId), usernames: ids(users) },
      { context },
    );
  }

  @Delete('teams/:team_id/relationships/users')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Remove users from a team',
    description: 'Same body as adding (DELETE with a body). 204.',
  })
  @ApiConsumes(JSON_API_MEDIA_TYPE, 'application/json')
  @identifierList('users', 'ada')
  async removeUsers(
    @CurrentContext() context: RequestContext,
    @Param('team_id') teamId: string,
    @JsonApiIdentifiers({ type: 'users', max: LIST_MAX, id: RESOURCE_ID }) users: ResourceIdentifier[],
  ): Promise<void> {
    await this.services.request(
      MEMBERSHIP.removeTeamMembers,
      {
        teamId: pathId(teamId),
        usernames: ids(users),
      },
      { context },
    );
  }

  @Post('teams/:team_id/relationships/organization-memberships')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Add memberships to a team',
    description: '`{"data":[{"type":"organization-memberships","id":"ou-…"}]}`; works for invitations. 204.',
  })
  @ApiConsumes(JSON_API_MEDIA_TYPE, 'application/json')
  @identifierList('organization-memberships', 'ou-1a2b3c4d5e6f7g8h')
  async addMemberships(
    @CurrentContext() context: RequestContext,
    @Param('team_id') teamId: string,
    @JsonApiIdentifiers({ type: 'organization-memberships', max: LIST_MAX, id: RESOURCE_ID })
    memberships: ResourceIdentifier[],
  ): Promise<void> {
    await this.services.request(
      MEMBERSHIP.addTeamMembers,
      {
        teamId: pathId(teamId),
        membershipIds: ids(memberships),
      },
      { context },
    );
  }

  @Delete('teams/:team_id/relationships/organization-memberships')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Remove memberships from a team', description: 'DELETE with a body. 204.' })
  @ApiConsumes(JSON_API_MEDIA_TYPE, 'application/json')
  @identifierList('organization-memberships', 'ou-1a2b3c4d5e6f7g8h')
  async removeMemberships(
    @CurrentContext() context: RequestContext,
    @Param('team_id') teamId: string,
    @JsonApiIdentifiers({ type: 'organization-memberships', max: LIST_MAX, id: RESOURCE_ID })
    memberships: ResourceIdentifier[],
  ): Promise<void> {
    await this.services.request(
      MEMBERSHIP.removeTeamMembers,
      {
        teamId: pathId(teamId),
        membershipIds: ids(memberships),
      },
      { context },
    );
  }

  @Get('teams/:team_id/relationships/organization-memberships')
  @ApiOperation({
    summary: "A team's memberships",
    description: '`filter[status]` (`invited`|`active`), `include=user,teams`, pagination.',
  })
  async listMemberships(
    @CurrentContext() context: RequestContext,
    @Param('team_id') teamId: string,
    @Query() query: QueryParams,
    @CurrentUrl() url: RequestUrl,
  ) {
    const include = parseInclude(query, ['user', 'teams']);
    const page = parsePage(query);
    const status = statusFilter(query, ['invited', 'active'] as const);
    const reply = await this.services.request(
      MEMBERSHIP.listTeamMemberships,
      {
        teamId: pathId(teamId),
        ...(status ? { status } : {}),
        page: { number: page.number, size: page.size },
        include: serviceIncludes(membershipIncludes(include)),
      },
      { context },
    );
    return membershipListDocument(reply, page, url, include);
  }
}
