import { CREDENTIAL_CACHE } from '../auth/auth.tokens';
import type { CredentialCache } from '../auth/credential-cache';
import {
  type CreateUserTokenResult,
  type ListUserTokensResult,
  USER_TOKEN,
  type UserTokenView,
} from '@idp/contracts';
import { Delete, Get, HttpCode, HttpStatus, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ServiceClient } from '../bus/service-client';
import { notFound } from '../errors/json-api-error';
import { JsonApiController } from '../http/json-api-controller';
import {
  CurrentContext,
  CurrentPrincipal,
  CurrentUrl,
  isUserPrincipal,
  type Principal,
  type RequestContext,
  userIdOf,
} from '../http/request-context';
import { listDocument, singleDocument } from '../jsonapi/document';
import { paginate, parsePage, slicePage } from '../jsonapi/pagination';
import type { QueryParams } from '../jsonapi/query-params';
import type { RequestUrl } from '../jsonapi/request-url';
import { type JsonApiInput, JsonApiBody, jsonApiBody } from '../validation/json-api-body';
import { ApiJsonApiBody } from '../validation/openapi';
import { pathId } from './account-input';
import { authenticationTokenResource } from './authentication-token-resource';
import { isCodedErrorLike } from '../errors/rpc-error';
import { TeamTokenAccess } from './team-tokens.controller';
import { teamTokenResource } from './team-token-resource';

/** Bounded as the token service bounds it (`USER_TOKEN_DESCRIPTION_MAX`). */
const DESCRIPTION_MAX = 256;
/** ISO 8601 with an offset or `Z` (go-tfe sends `2026-01-01T00:00:00Z`); whether it lies ahead is the service's. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * `POST /users/:id/authentication-tokens`. go-tfe sends `"type": ""` (TFC-API §4, §13.3) and may omit `attributes`
 * altogether; `description` is optional despite the docs; `expired-at` null or absent = never expires.
 */
export const createAuthenticationTokenBody = jsonApiBody({
  type: 'authentication-tokens',
  allowEmptyType: true,
  attributes: z.object({
    description: z.string().max(DESCRIPTION_MAX).nullable().optional(),
    expiredAt: z
      .string()
      .regex(ISO_INSTANT, 'must be an ISO 8601 timestamp')
      .refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO 8601 timestamp')
      .nullable()
      .optional(),
  }),
});

/**
 * User API tokens (TFC-API §4): a user creates, lists, reads and revokes their own. Anyone else's user id or token
 * is a 404 (no existence oracle, §1.4); the secret is in the create response only (`token`, `null` everywhere else).
 */
@ApiTags('authentication-tokens')
@ApiBearerAuth()
@ApiCookieAuth()
@JsonApiController()
export class AuthenticationTokensController {
  constructor(
    private readonly services: ServiceClient,
    @Inject(CREDENTIAL_CACHE) private readonly cache: CredentialCache,
    private readonly teamTokens: TeamTokenAccess,
  ) {}

  @Post('users/:user_id/authentication-tokens')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary: 'Create a user token',
    description:
      '201 with the secret in `token` (shown once). Only for the caller; another user id is a 404.',
  })
  @ApiJsonApiBody(createAuthenticationTokenBody)
  async create(
    @CurrentPrincipal() principal: Principal,
    @CurrentContext() context: RequestContext,
    @Param('user_id') userId: string,
    @JsonApiBody(createAuthenticationTokenBody) body: JsonApiInput<typeof createAuthenticationTokenBody>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { description, expiredAt } = body.attributes;
    const created: CreateUserTokenResult = await this.services.request(
      USER_TOKEN.createUserToken,
      {
        userId: this.ownUser(principal, userId),
        ...(description !== undefined ? { description } : {}),
        ...(expiredAt !== undefined ? { expiredAt } : {}),
        requestId: randomUUID(),
      },
      { context },
    );
    reply.header('Cache-Control', 'no-store');
    return singleDocument(authenticationTokenResource(created.token, created.secret));
  }

  @Get('users/:user_id/authentication-tokens')
  @ApiOperation({
    summary: "List a user's tokens",
    description:
      'Unpaginated (no `meta.pagination`) unless `page[number]` or `page[size]` is sent. Never a secret.',
  })
  async list(
    @CurrentPrincipal() principal: Principal,
    @CurrentContext() context: RequestContext,
    @Param('user_id') userId: string,
    @Query() query: QueryParams,
    @CurrentUrl() url: RequestUrl,
  ) {
    const page = parsePage(query);
    const { tokens }: ListUserTokensResult = await this.services.request(
      USER_TOKEN.listUserTokens,
      { userId: this.ownUser(principal, userId) },
      { context },
    );
    const resources = tokens.map((t) => authenticationTokenResource(t));
    if (!page.explicit) return listDocument(resources);
    return listDocument(slicePage(resources, page), { pagination: paginate(page, resources.length, url) });
  }

  @Get('authentication-tokens/:id')
  @ApiOperation({
    summary: 'Show a user or team token',
    description:
      '`token` is null. A user token for its owner; a team token for whoever may manage the team tokens (TFC-API §5.1). 404 otherwise.',
  })
  async show(
    @CurrentPrincipal() principal: Principal,
    @CurrentContext() context: RequestContext,
    @Param('id') id: string,
  ) {
    const tokenId = pathId(id);
    const own = await this.ownUserToken(principal, tokenId, context);
    if (own) return singleDocument(authenticationTokenResource(own));
    const team = await this.teamTokens.manageableToken(tokenId, context);
    if (!team) throw notFound();
    return singleDocument(teamTokenResource(team.token, team.team.organizationName));
  }

  @Delete('authentication-tokens/:id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Revoke a user token',
    description: '204; 404 for a token not mine (or revoked).',
  })
  async destroy(
    @CurrentPrincipal() principal: Principal,
    @CurrentContext() context: RequestContext,
    @Param('id') id: string,
  ): Promise<void> {
    const tokenId = pathId(id);
    if (await this.ownUserToken(principal, tokenId, context)) {
      await this.services.request(
        USER_TOKEN.revokeUserToken,
        { userId: userIdOf(principal), tokenId },
        { context },
      );
      // This gateway stops honouring it at once; the others when `token.events` reaches them (ADR 010).
      this.cache.evictToken(tokenId);
      return;
    }
    // A team token (TFC-API §5.1): for whoever may manage the team's tokens.
    const team = await this.teamTokens.manageableToken(tokenId, context);
    if (!team) throw notFound();
    await this.teamTokens.revoke([team.token.id], context);
  }

  /** The caller's own user token with this id, or undefined (not a user, not theirs, or no such user token). */
  private async ownUserToken(
    principal: Principal,
    tokenId: string,
    context: RequestContext,
  ): Promise<UserTokenView | undefined> {
    if (!isUserPrincipal(principal)) return undefined;
    try {
      return await this.services.request(
        USER_TOKEN.getUserToken,
        { userId: principal.userId, tokenId },
        { context },
      );
    } catch (err) {
      if (isCodedErrorLike(err) && err.code === 'TOKEN.NOT_FOUND') return undefined;
      throw err;
    }
  }

  /**
   * Tokens are managed by their owner only: another (or an impossible) user id is simply not found, and an
   * organization token is no user at all (TFC: org tokens cannot manage user tokens).
   */
  private ownUser(principal: Principal, userId: string): string {
    const own = userIdOf(principal);
    if (pathId(userId) !== own) throw notFound();
    return own;
  }
}
