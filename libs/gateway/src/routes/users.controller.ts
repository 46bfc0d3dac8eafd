import { IDENTITY } from '@idp/contracts';
import { Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ServiceClient } from '../bus/service-client';
import { JsonApiController } from '../http/json-api-controller';
import { CurrentPrincipal, type Principal } from '../http/request-context';
import { singleDocument } from '../jsonapi/document';
import { pathId } from './account-input';
import { publicUserResource } from './user-resource';

/** `GET /users/:id` (TFC-API §3.1): the public projection, never the e-mail. */
@ApiTags('users')
@ApiBearerAuth()
@ApiCookieAuth()
@JsonApiController('users')
export class UsersController {
  constructor(private readonly services: ServiceClient) {}

  @Get(':id')
  @ApiOperation({ summary: 'Show a user', description: '404 for an unknown id.' })
  async show(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    const user = await this.services.request(IDENTITY.getUser, { userId: pathId(id) });
    return singleDocument(publicUserResource(user, principal.userId));
  }
}
