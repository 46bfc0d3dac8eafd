import { MEMBERSHIP } from '@idp/contracts';
import { Get, HttpCode, HttpStatus, Param, Post, Query, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ServiceClient } from '../bus/service-client';
import { JsonApiController } from '../http/json-api-controller';
import { CurrentContext, PublicRoute, type RequestContext } from '../http/request-context';
import { singleDocument } from '../jsonapi/document';
import { parseInclude, type QueryParams } from '../jsonapi/query-params';
import { invitationPathToken } from './membership-input';
import {
  includedFor,
  invitationResource,
  membershipIncludes,
  membershipResource,
} from './membership-resources';
import { NoStore } from './no-store';

/**
 * Invitations (TFC-API §15): the invitee's landing page reads one by its token without logging in; accepting needs
 * an account whose confirmed e-mail is the invited one (the membership service checks). The token is a secret:
 * it appears in no response (not even as a link), and a malformed one is the same 404 as an unknown one.
 */
@ApiTags('invitations')
@JsonApiController('invitations')
@UseInterceptors(NoStore)
export class InvitationsController {
  constructor(private readonly services: ServiceClient) {}

  @Get(':token')
  @PublicRoute()
  @ApiOperation({
    summary: 'Show an invitation (no authentication)',
    description:
      'Organization name, invited e-mail, inviter, expiry, `account-exists`, `is-org-two-factor-required`. ' +
      '404 for an unknown, expired, cancelled or used token.',
  })
  async show(@CurrentContext() context: RequestContext, @Param('token') token: string) {
    const view = await this.services.request(
      MEMBERSHIP.getInvitation,
      { token: invitationPathToken(token) },
      { context },
    );
    return singleDocument(invitationResource(view));
  }

  @Post(':token/actions/accept')
  @HttpCode(HttpStatus.OK)
  @ApiBearerAuth()
  @ApiCookieAuth()
  @ApiOperation({
    summary: 'Accept an invitation',
    description:
      "200 with the membership, now `active` (`include=user,teams,organization`). 403 when the caller's " +
      'confirmed e-mail is not the invited one.',
  })
  async accept(
    @CurrentContext() context: RequestContext,
    @Param('token') token: string,
    @Query() query: QueryParams,
  ) {
    const include = parseInclude(query, ['user', 'teams', 'organization']);
    const reply = await this.services.request(
      MEMBERSHIP.acceptInvitation,
      { token: invitationPathToken(token) },
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
}
