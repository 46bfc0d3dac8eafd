import { IDENTITY } from '@idp/contracts';
import { Get, HttpCode, HttpStatus, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ServiceClient } from '../bus/service-client';
import { statusForCode } from '../errors/domain-errors';
import { isCodedErrorLike } from '../errors/rpc-error';
import { JsonApiController } from '../http/json-api-controller';
import {
  CurrentContext,
  CurrentPrincipal,
  type Principal,
  PublicRoute,
  type RequestContext,
  userIdOf,
} from '../http/request-context';
import { singleDocument } from '../jsonapi/document';
import { type JsonApiInput, JsonApiBody } from '../validation/json-api-body';
import { ApiJsonApiBody } from '../validation/openapi';
import {
  changePasswordBody,
  completePasswordResetBody,
  confirmAccountBody,
  createAccountBody,
  passwordResetBody,
  updateAccountBody,
} from './account-input';
import { accountResource, organizationServiceUserResource, teamServiceUserResource } from './user-resource';

/**
 * An impersonation in progress (TFC-API §10), shown on `GET /account/details` as document `meta`:
 * `{"impersonation":{"impersonator-id":"user-…","reason":"…"}}` (an extra member: the `users` resource keeps TFC's
 * attributes, and clients ignore unknown `meta`). Nothing for an ordinary session or token.
 */
export const impersonationMeta = (principal: Principal): { meta?: Record<string, unknown> } =>
  principal.kind === 'session' && principal.impersonatorId
    ? {
        meta: {
          impersonation: {
            'impersonator-id': principal.impersonatorId,
            reason: principal.impersonationReason ?? '',
          },
        },
      }
    : {};

/**
 * The caller's own account (TFC-API §2) and the account flows this product defines (§15): sign-up, e-mail
 * confirmation, password change and reset. Every answer is the private `users` projection; none carries a
 * password or a token. An organization token has no account: `details` shows its service user, the changes are 404.
 */
@ApiTags('account')
@ApiBearerAuth()
@ApiCookieAuth()
@JsonApiController('account')
export class AccountController {
  constructor(private readonly services: ServiceClient) {}

  @Post('create')
  @PublicRoute()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary: 'Create an account',
    description: 'Sends a confirmation e-mail. 201 users document.',
  })
  @ApiJsonApiBody(createAccountBody)
  async create(
    @CurrentContext() context: RequestContext,
    @JsonApiBody(createAccountBody) body: JsonApiInput<typeof createAccountBody>,
  ) {
    const { username, email, password, invitationToken } = body.attributes;
    const account = await this.services.request(
      IDENTITY.registerAccount,
      {
        username,
        email,
        password,
        ...(invitationToken ? { invitationToken } : {}),
      },
      { context },
    );
    return singleDocument(accountResource(account));
  }

  @Post('confirm')
  @PublicRoute()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Confirm an e-mail address', description: 'With the token of the e-mailed link.' })
  @ApiJsonApiBody(confirmAccountBody)
  async confirm(
    @CurrentContext() context: RequestContext,
    @JsonApiBody(confirmAccountBody) body: JsonApiInput<typeof confirmAccountBody>,
  ) {
    const account = await this.services.request(
      IDENTITY.confirmEmail,
      { token: body.attributes.token },
      { context },
    );
    return singleDocument(accountResource(account));
  }

  @Get('details')
  @ApiOperation({
    summary: 'The authenticated user (go-tfe Users.ReadCurrent)',
    description:
      'For an organization token: its synthetic service user `api-org-<organization>`, with `authenticated-resource` the organization.',
  })
  async details(@CurrentPrincipal() principal: Principal, @CurrentContext() context: RequestContext) {
    // An organization token acts through a service user that exists nowhere else (TFC-API §1.3): nothing to ask.
    if (principal.kind === 'organization-token')
      return singleDocument(organizationServiceUserResource(principal));
    if (principal.kind === 'team-token') return singleDocument(teamServiceUserResource(principal.teamId));
    const account = await this.services.request(
      IDENTITY.getAccount,
      { userId: principal.userId },
      { context },
    );
    return singleDocument(accountResource(account, { authenticated: true }), impersonationMeta(principal));
  }

  @Patch('update')
  @ApiOperation({
    summary: 'Change username and/or e-mail',
    description: 'A new e-mail is pending (`unconfirmed-email`) until confirmed.',
  })
  @ApiJsonApiBody(updateAccountBody)
  async update(
    @CurrentPrincipal() principal: Principal,
    @CurrentContext() context: RequestContext,
    @JsonApiBody(updateAccountBody) body: JsonApiInput<typeof updateAccountBody>,
  ) {
    const userId = userIdOf(principal);
    const { username, email } = body.attributes;
    const account =
      username === undefined && email === undefined
        ? await this.services.request(IDENTITY.getAccount, { userId }, { context })
        : await this.services.request(
            IDENTITY.updateAccount,
            {
              userId,
              ...(username !== undefined ? { username } : {}),
              ...(email !== undefined ? { email } : {}),
            },
            { context },
          );
    return singleDocument(accountResource(account, { authenticated: true }));
  }

  @Patch('password')
  @ApiOperation({ summary: 'Change password', description: 'snake_case attributes, as TFC.' })
  @ApiJsonApiBody(changePasswordBody)
  async password(
    @CurrentPrincipal() principal: Principal,
    @CurrentContext() context: RequestContext,
    @JsonApiBody(changePasswordBody) body: JsonApiInput<typeof changePasswordBody>,
  ) {
    const account = await this.services.request(
      IDENTITY.changePassword,
      {
        userId: userIdOf(principal),
        ...body.attributes,
      },
      { context },
    );
    return singleDocument(accountResource(account, { authenticated: true }));
  }

  @Post('password-reset')
  @PublicRoute()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Request a password reset e-mail',
    description: '202 whether or not an account has that address (no account enumeration).',
  })
  @ApiJsonApiBody(passwordResetBody)
  async requestPasswordReset(
    @CurrentContext() context: RequestContext,
    @JsonApiBody(passwordResetBody) body: JsonApiInput<typeof passwordResetBody>,
  ): Promise<void> {
    try {
      await this.services.request(
        IDENTITY.requestPasswordReset,
        { email: body.attributes.email },
        { context },
      );
    } catch (err) {
      // An unknown address must look exactly like a known one.
      if (isCodedErrorLike(err) && statusForCode(err.code) === 404) return;
      throw err;
    }
  }

  @Post('password-reset/complete')
  @PublicRoute()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Set a new password with the e-mailed token',
    description: 'Ends every other session of the account.',
  })
  @ApiJsonApiBody(completePasswordResetBody)
  async completePasswordReset(
    @CurrentContext() context: RequestContext,
    @JsonApiBody(completePasswordResetBody) body: JsonApiInput<typeof completePasswordResetBody>,
  ): Promise<void> {
    await this.services.request(IDENTITY.completePasswordReset, body.attributes, { context });
  }
}
