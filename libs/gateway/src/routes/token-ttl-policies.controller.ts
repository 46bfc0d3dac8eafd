import { MEMBERSHIP } from '@idp/contracts';
import { Get, Param, Patch, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ServiceClient } from '../bus/service-client';
import { JsonApiController } from '../http/json-api-controller';
import { CurrentContext, type RequestContext } from '../http/request-context';
import { listDocument } from '../jsonapi/document';
import { type JsonApiInput, JsonApiBody } from '../validation/json-api-body';
import { ApiJsonApiBody } from '../validation/openapi';
import { organizationPathName } from './membership-input';
import { NoStore } from './no-store';
import { setTokenTtlPoliciesBody } from './token-ttl-policies-input';
import { tokenTtlPolicyResources } from './token-ttl-policy-resource';

/**
 * An organization's token TTL policies (TFC-API §5.4, ADR 012): the longest lifetime (`expired-at` − `created-at`)
 * each token type may have. Owners only — the membership service decides: a member who is not an owner gets 403
 * (`ORGANIZATION.OWNER_REQUIRED_FORBIDDEN`), anyone else (the organization token included) the organization's 404.
 * Both routes answer the whole list (one `organization-token-ttl-policies` resource per type that has a maximum,
 * id `<org id>-<token type>`). The token service applies them to team and organization tokens, the membership service
 * to user tokens acting in the organization (`ORGANIZATION.TOKEN_TTL_EXCEEDED`, 403).
 */
@ApiTags('organizations')
@ApiBearerAuth()
@ApiCookieAuth()
@JsonApiController('organizations/:organization_name/token-ttl-policies')
@UseInterceptors(NoStore)
export class TokenTtlPoliciesController {
  constructor(private readonly services: ServiceClient) {}

  @Get()
  @ApiOperation({
    summary: "List an organization's token TTL policies",
    description: 'Owners; 403 for other members, 404 for anyone else. An empty list when none is set.',
  })
  async list(@CurrentContext() context: RequestContext, @Param('organization_name') name: string) {
    const reply = await this.services.request(
      MEMBERSHIP.getTokenTtlPolicies,
      { organization: organizationPathName(name) },
      { context },
    );
    return listDocument(tokenTtlPolicyResources(reply));
  }

  @Patch()
  @ApiOperation({
    summary: "Set an organization's token TTL policies",
    description:
      'Owners. Sets the maximum lifetime (`max-ttl-ms`, at most two years) of each listed `token-type` ' +
      '(`organization`, `team`, `user`, `audit_trails`, `metrics`); types not listed keep theirs. 200 with the ' +
      "whole list; 422 for a bad entry. Tightening a policy shortens the organization's existing team and " +
      'organization tokens of that type; user tokens living longer are refused in the organization.',
  })
  @ApiJsonApiBody(setTokenTtlPoliciesBody)
  async update(
    @CurrentContext() context: RequestContext,
    @Param('organization_name') name: string,
    @JsonApiBody(setTokenTtlPoliciesBody) body: JsonApiInput<typeof setTokenTtlPoliciesBody>,
  ) {
    const reply = await this.services.request(
      MEMBERSHIP.setTokenTtlPolicies,
      { organization: organizationPathName(name), policies: body.attributes.tokenTtlPolicies },
      { context },
    );
    return listDocument(tokenTtlPolicyResources(reply));
  }
}
