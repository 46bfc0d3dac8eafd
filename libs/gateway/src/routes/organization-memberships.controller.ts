import { MEMBERSHIP } from '@idp/contracts';
import { Delete, Get, HttpCode, HttpStatus, Param, Post, Query, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ServiceClient } from '../bus/service-client';
import { JsonApiController } from '../http/json-api-controller';
import { CurrentContext, CurrentUrl, type RequestContext } from '../http/request-context';
import { singleDocument } from '../jsonapi/document';
import { parsePage } from '../jsonapi/pagination';
import { parseInclude, type QueryParams } from '../jsonapi/query-params';
import type { RequestUrl } from '../jsonapi/request-url';
import { type JsonApiInput, JsonApiBody } from '../validation/json-api-body';
import { ApiJsonApiBody } from '../validation/openapi';
import { EMAIL_MAX, pathId } from './account-input';
import {
  inviteBody,
  listFilter,
  organizationPathName,
  SEARCH_MAX,
  statusFilter,
  textParam,
} from './membership-input';
import {
  includedFor,
  membershipIncludes,
  membershipListDocument,
  membershipResource,
  serviceIncludes,
} from './membership-resources';
import { NoStore } from './no-store';

/**
 * Organization memberships (TFC-API §7): invite by e-mail, list an organization's (with `meta.status-counts`),
 * list the caller's own across organizations (invitations included), read, remove (cancels an invitation; leaving
 * is removing one's own, §15). Who may do what is the membership service's decision.
 */
@ApiTags('organization-memberships')
@ApiBearerAuth()
@ApiCookieAuth()
@JsonApiController()
@UseInterceptors(NoStore)
export class OrganizationMembershipsController {
  constructor(private readonly services: ServiceClient) {}

  @Post('organizations/:organization_name/organization-memberships')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary: 'Invite someone by e-mail',
    description: '201, `status: invited`; optional `relationships.teams`. The invitation is e-mailed.',
  })
  @ApiJsonApiBody(inviteBody)
  async invite(
    @CurrentContext() context: RequestContext,
    @Param('organization_name') name: string,
    @JsonApiBody(inviteBody) body: JsonApiInput<typeof inviteBody>,
  ) {
    const organization = organizationPathName(name);
    const teams = body.relationships.teams;
    const reply = await this.services.request(
      MEMBERSHIP.invite,
      {
        organization,
        email: body.attributes.email,
        ...(Array.isArray(teams) && teams.length > 0
          ? { teamIds: [...new Set(teams.map((t) => t.id))] }
          : {}),
      },
      { context },
    );
    const data = membershipResource(reply.membership);
    return singleDocument(data, { included: includedFor([data], reply.included, { users: true }) });
  }

  @Get('organizations/:organization_name/organization-memberships')
  @ApiOperation({
    summary: "List an organization's memberships",
    description:
      '`q` (username or e-mail), `filter[status]` (`invited`|`active`|`inactive`), `filter[email]` (comma list), ' +
      '`include=user,teams`, pagination; `meta.status-counts` `{total, active, invited}` over the organization.',
  })
  async list(
    @CurrentContext() context: RequestContext,
    @Param('organization_name') name: string,
    @Query() query: QueryParams,
    @CurrentUrl() url: RequestUrl,
  ) {
    const include = parseInclude(query, ['user', 'teams']);
    const page = parsePage(query);
    const q = textParam(query, 'q', SEARCH_MAX);
    const status = statusFilter(query, ['invited', 'active', 'inactive'] as const);
    const emails = listFilter(query, 'email', EMAIL_MAX);
    const reply = await this.services.request(
      MEMBERSHIP.listMemberships,
      {
        organization: organizationPathName(name),
        ...(q ? { q } : {}),
        ...(status ? { status } : {}),
        ...(emails ? { emails } : {}),
        page: { number: page.number, size: page.size },
        include: serviceIncludes(membershipIncludes(include)),
      },
      { context },
    );
    return membershipListDocument(reply, page, url, include, { statusCounts: true });
  }

  @Get('organization-memberships')
  @ApiOperation({
    summary: "The caller's memberships in every organization",
    description: 'Invitations included; `include=user,teams,organization`; pagination.',
  })
  async mine(
    @CurrentContext() context: RequestContext,
    @Query() query: QueryParams,
    @CurrentUrl() url: RequestUrl,
  ) {
    const include = parseInclude(query, ['user', 'teams', 'organization']);
    const page = parsePage(query);
    const reply = await this.services.request(
      MEMBERSHIP.listMyMemberships,
      {
        page: { number: page.number, size: page.size },
        include: serviceIncludes(membershipIncludes(include)),
      },
      { context },
    );
    return membershipListDocument(reply, page, url, include);
  }

  @Get('organization-memberships/:id')
  @ApiOperation({ summary: 'Show a membership', description: '`include=user,teams`. 404 when not visible.' })
  async show(
    @CurrentContext() context: RequestContext,
    @Param('id') id: string,
    @Query() query: QueryParams,
  ) {
    const include = parseInclude(query, ['user', 'teams']);
    const reply = await this.services.request(
      MEMBERSHIP.getMembership,
      {
        membershipId: pathId(id),
        include: serviceIncludes(membershipIncludes(include)),
      },
      { context },
    );
    const data = membershipResource(reply.membership);
    return singleDocument(
      data,
      include.length > 0
        ? { included: includedFor([data], reply.included, membershipIncludes(include)) }
        : {},
    );
  }

  @Delete('organization-memberships/:id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Remove a membership',
    description:
      '204. Cancels an invitation; removing your own is leaving (refused, 403, for the last owner).',
  })
  async destroy(@CurrentContext() context: RequestContext, @Param('id') id: string): Promise<void> {
    await this.services.request(MEMBERSHIP.removeMembership, { membershipId: pathId(id) }, { context });
  }
}
