import { MEMBERSHIP } from '@idp/contracts';
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
import { ApiBearerAuth, ApiCookieAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ServiceClient } from '../bus/service-client';
import { JsonApiController } from '../http/json-api-controller';
import { CurrentContext, CurrentUrl, type RequestContext } from '../http/request-context';
import { listDocument, singleDocument } from '../jsonapi/document';
import { paginate, parsePage } from '../jsonapi/pagination';
import { parseInclude, type QueryParams } from '../jsonapi/query-params';
import type { RequestUrl } from '../jsonapi/request-url';
import { type JsonApiInput, JsonApiBody } from '../validation/json-api-body';
import { ApiJsonApiBody } from '../validation/openapi';
import { EMAIL_MAX } from './account-input';
import {
  createOrganizationBody,
  organizationPathName,
  SEARCH_MAX,
  settingsOf,
  textParam,
  updateOrganizationBody,
} from './membership-input';
import { entitlementSetResource, organizationResource } from './membership-resources';
import { NoStore } from './no-store';
import { TeamTokenAccess } from './team-tokens.controller';

/** `include` of an organization read: TFC's name is `entitlement_set`; the kebab-case spelling is accepted too. */
const ORGANIZATION_INCLUDES = ['entitlement_set', 'entitlement-set'];

/**
 * Organizations (TFC-API §6): list the caller's, create (the caller becomes the first owner), read, update, delete,
 * and the entitlement set. The membership service decides who sees and may do what (not visible: 404).
 */
@ApiTags('organizations')
@ApiBearerAuth()
@ApiCookieAuth()
@JsonApiController('organizations')
@UseInterceptors(NoStore)
export class OrganizationsController {
  constructor(
    private readonly services: ServiceClient,
    private readonly teamTokens: TeamTokenAccess,
  ) {}

  @Get()
  @ApiOperation({
    summary: "List the caller's organizations",
    description:
      '`q` (name or e-mail; wins over the others), `q[name]`, `q[email]`. Without `page[number]`/`page[size]` the ' +
      'whole list, without `meta.pagination` (TFC-API §1.5).',
  })
  async list(
    @CurrentContext() context: RequestContext,
    @Query() query: QueryParams,
    @CurrentUrl() url: RequestUrl,
  ) {
    parseInclude(query, []);
    const page = parsePage(query);
    const q = textParam(query, 'q', SEARCH_MAX);
    const qName = textParam(query, 'q[name]', SEARCH_MAX);
    const qEmail = textParam(query, 'q[email]', EMAIL_MAX);
    const reply = await this.services.request(
      MEMBERSHIP.listOrganizations,
      {
        ...(q ? { q } : {}),
        ...(qName ? { qName } : {}),
        ...(qEmail ? { qEmail } : {}),
        ...(page.explicit ? { page: { number: page.number, size: page.size } } : {}),
      },
      { context },
    );
    const data = reply.organizations.map(organizationResource);
    if (!page.explicit) return listDocument(data);
    return listDocument(data, { pagination: paginate(page, reply.total, url) });
  }

  @Post()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary: 'Create an organization',
    description: '201 with the entitlement set in `included`; the caller is the first member of `owners`.',
  })
  @ApiJsonApiBody(createOrganizationBody)
  async create(
    @CurrentContext() context: RequestContext,
    @JsonApiBody(createOrganizationBody) body: JsonApiInput<typeof createOrganizationBody>,
  ) {
    const { name, email } = body.attributes;
    const { organization } = await this.services.request(
      MEMBERSHIP.createOrganization,
      {
        name,
        email,
        ...settingsOf(body.attributes),
      },
      { context },
    );
    const entitlements = await this.services.request(
      MEMBERSHIP.getEntitlements,
      { organization: organization.name },
      { context },
    );
    return singleDocument(organizationResource(organization), {
      included: [entitlementSetResource(entitlements)],
    });
  }

  @Get(':organization_name')
  @ApiOperation({
    summary: 'Show an organization',
    description: '`include=entitlement_set`. 404 for non-members.',
  })
  async show(
    @CurrentContext() context: RequestContext,
    @Param('organization_name') name: string,
    @Query() query: QueryParams,
  ) {
    const include = parseInclude(query, ORGANIZATION_INCLUDES);
    const organization = organizationPathName(name);
    const { organization: view } = await this.services.request(
      MEMBERSHIP.getOrganization,
      { organization },
      { context },
    );
    if (include.length === 0) return singleDocument(organizationResource(view));
    const entitlements = await this.services.request(
      MEMBERSHIP.getEntitlements,
      { organization },
      { context },
    );
    return singleDocument(organizationResource(view), { included: [entitlementSetResource(entitlements)] });
  }

  @Patch(':organization_name')
  @ApiOperation({
    summary: 'Update an organization',
    description: 'Owners. All attributes optional; `name` renames (the id changes).',
  })
  @ApiJsonApiBody(updateOrganizationBody)
  async update(
    @CurrentContext() context: RequestContext,
    @Param('organization_name') name: string,
    @JsonApiBody(updateOrganizationBody) body: JsonApiInput<typeof updateOrganizationBody>,
  ) {
    const organization = organizationPathName(name);
    const { name: newName, email } = body.attributes;
    const { organization: view } = await this.services.request(
      MEMBERSHIP.updateOrganization,
      {
        organization,
        ...(newName !== undefined ? { name: newName } : {}),
        ...(email !== undefined ? { email } : {}),
        ...settingsOf(body.attributes),
      },
      { context },
    );
    return singleDocument(organizationResource(view));
  }

  @Delete(':organization_name')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete an organization', description: 'Owners; 204.' })
  async destroy(
    @CurrentContext() context: RequestContext,
    @Param('organization_name') name: string,
  ): Promise<void> {
    // Its id, for its team tokens (the token service knows organizations by id); a caller who cannot see it gets
    // the same 404 the deletion would answer.
    const { organization } = await this.services.request(
      MEMBERSHIP.getOrganization,
      { organization: organizationPathName(name) },
      { context },
    );
    await this.services.request(
      MEMBERSHIP.deleteOrganization,
      { organization: organizationPathName(name) },
      { context },
    );
    // Its teams' tokens stop working on the very next request.
    await this.teamTokens.closeTokensOf({ organizationId: organization.id }, context);
  }

  @Get(':organization_name/entitlement-set')
  @ApiOperation({
    summary: "An organization's entitlement set",
    description: 'Members. Terraform CLI reads `operations` and `state-storage` from it.',
  })
  async entitlements(@CurrentContext() context: RequestContext, @Param('organization_name') name: string) {
    const view = await this.services.request(
      MEMBERSHIP.getEntitlements,
      { organization: organizationPathName(name) },
      { context },
    );
    return singleDocument(entitlementSetResource(view));
  }
}
