import { IDENTITY } from '@idp/contracts';
import { Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ServiceClient } from '../bus/service-client';
import { JsonApiController } from '../http/json-api-controller';
import {
  CurrentContext,
  CurrentPrincipal,
  type Principal,
  type RequestContext,
} from '../http/request-context';
import { singleDocument } from '../jsonapi/document';
import { pathId } from './account-input';
import {
  organizationServiceUser,
  organizationServiceUserId,
  publicUserResource,
  viewerIdOf,
} from './user-resource';

/**
 * `GET /users/:id` (TFC-API §3.1): the public projection, never the e-mail. An organization token may read users
 * (it manages memberships) with no permissions on them, and its own service user (which only it can see).
 */
@ApiTags('users')
@ApiBearerAuth()
@ApiCookieAuth()
@JsonApiController('users')
export class UsersController {
  constructor(private readonly services: ServiceClient) {}

  @Get(':id')
  @ApiOperation({ summary: 'Show a user', description: '404 for an unknown id.' })
  async show(
    @CurrentPrincipal() principal: Principal,
    @CurrentContext() context: RequestContext,
    @Param('id') id: string,
  ) {
    const userId = pathId(id);
    if (
      principal.kind === 'organization-token' &&
      userId === organizationServiceUserId(principal.organizationId)
    )
      return singleDocument(publicUserResource(organizationServiceUser(principal), userId));
    const user = await this.services.request(IDENTITY.getUser, { userId }, { context });
    return singleDocument(publicUserResource(user, viewerIdOf(principal)));
  }
}
