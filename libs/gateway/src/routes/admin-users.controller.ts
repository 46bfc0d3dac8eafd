import { type AccountView, type AdminUserAction, IDENTITY, IMPERSONATION, MEMBERSHIP } from '@idp/contracts';
import {
  Body,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Inject,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseInterceptors,
} from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CREDENTIAL_CACHE } from '../auth/auth.tokens';
import type { CredentialCache } from '../auth/credential-cache';
import { clearSessionCookie, setSessionCookie } from '../auth/session-cookie';
import { ServiceClient } from '../bus/service-client';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import { badRequest, forbidden, JsonApiException, notFound } from '../errors/json-api-error';
import { JsonApiController } from '../http/json-api-controller';
import {
  CurrentContext,
  CurrentPrincipal,
  CurrentUrl,
  type Principal,
  type RequestContext,
} from '../http/request-context';
import { listDocument, singleDocument } from '../jsonapi/document';
import { paginate, parsePage } from '../jsonapi/pagination';
import { invalidParameter, parseInclude, type QueryParams, singleParam } from '../jsonapi/query-params';
import type { RequestUrl } from '../jsonapi/request-url';
import { pathId } from './account-input';
import { SEARCH_MAX, textParam } from './membership-input';
import { resource } from '../jsonapi/resource';
import { organizationPath } from './membership-resources';
import { NoStore } from './no-store';
import { adminUserResource } from './user-resource';

/** The reason kept on the impersonation session and in every event's metadata (TFC-API §10). */
const REASON_MAX = 1000;
const MAX_USER_AGENT = 512;

/** `filter[admin]` / `filter[suspended]`: `true` or `false` (400 otherwise); `undefined` when absent or empty. */
const booleanFilter = (query: QueryParams, name: string): boolean | undefined => {
  const parameter = `filter[${name}]`;
  const value = singleParam(query, parameter);
  if (value === undefined || value === '') return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw invalidParameter(parameter, `${parameter} must be true or false`);
};

const userAgentOf = (request: FastifyRequest): string | undefined => {
  const ua = request.headers['user-agent'];
  return typeof ua === 'string' && ua ? ua.slice(0, MAX_USER_AGENT) : undefined;
};

/** The user a principal acts as; an organization or team token is no user and has no admin API (404). */
const userOf = (principal: Principal): Extract<Principal, { userId: string }> => {
  if (principal.kind !== 'session' && principal.kind !== 'user-token') throw notFound();
  return principal;
};

/**
 * The TFE admin users API (TFC-API §10): site admins only. The identity service decides who is a site admin (its
 * `ACCOUNT.NOT_FOUND` for anyone else is the bare 404 §10 asks for), the membership service whether a user is the
 * sole owner of an organization, the token service the impersonation sessions. Every answer carries
 * `Cache-Control: no-store` (e-mail addresses). Action paths use underscores, as TFE's.
 */
@ApiTags('admin')
@ApiBearerAuth()
@ApiCookieAuth()
@UseInterceptors(NoStore)
@JsonApiController('admin/users')
export class AdminUsersController {
  constructor(
    private readonly services: ServiceClient,
    @Inject(CREDENTIAL_CACHE) private readonly cache: CredentialCache,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'List users (site admins)',
    description:
      '`q` (username or e-mail), `filter[admin]`, `filter[suspended]` (`true`|`false`), `include=organizations`, ' +
      'pagination (default 20); `meta.status-counts` `{total, suspended, admin}` over the instance.',
  })
  async list(
    @CurrentContext() context: RequestContext,
    @Query() query: QueryParams,
    @CurrentUrl() url: RequestUrl,
  ) {
    const include = parseInclude(query, ['organizations']);
    const page = parsePage(query);
    const q = textParam(query, 'q', SEARCH_MAX);
    const admin = booleanFilter(query, 'admin');
    const suspended = booleanFilter(query, 'suspended');
    const reply = await this.services.request(
      IDENTITY.adminListUsers,
      {
        ...(q ? { q } : {}),
        ...(admin !== undefined ? { admin } : {}),
        ...(suspended !== undefined ? { suspended } : {}),
        pageNumber: page.number,
        pageSize: page.size,
      },
      { context },
    );
    const organizations = include.includes('organizations')
      ? await Promise.all(reply.users.map((u) => this.organizationsOf(u.id, context)))
      : undefined;
    return listDocument(
      reply.users.map((user, i) => adminUserResource(user, organizations?.[i])),
      {
        pagination: paginate(page, reply.total, url),
        statusCounts: reply.statusCounts,
        ...(organizations ? { included: includedOrganizations(organizations.flat()) } : {}),
      },
    );
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Delete a user (site admins)',
    description:
      'Ends their memberships, tokens and sessions and frees their username and e-mail. 422 for the sole owner ' +
      'of an organization; 422 for the last site admin deleting themselves.',
  })
  async remove(@CurrentContext() context: RequestContext, @Param('id') id: string): Promise<void> {
    const userId = pathId(id);
    // Admin and existence first (404 for a non-admin, before anything about the user's organizations shows).
    await this.services.request(IDENTITY.adminGetUser, { userId }, { context });
    const { organizations } = await this.services.request(
      MEMBERSHIP.userOwnerships,
      { userId },
      { context, actor: { kind: 'system', id: 'gateway' } },
    );
    const soleOwned = organizations.filter((o) => o.soleOwner).map((o) => o.name);
    if (soleOwned.length > 0)
      throw new JsonApiException(422, [
        {
          detail: `The user is the sole owner of ${soleOwned.length === 1 ? 'the organization' : 'the organizations'} ${soleOwned.join(', ')}; transfer ownership first`,
          code: 'ACCOUNT.SOLE_OWNER',
        },
      ]);
    await this.services.request(IDENTITY.adminUserAction, { userId, action: 'delete' }, { context });
    this.cache.holdUser(userId);
  }

  @Post(':id/actions/suspend')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Suspend a user (site admins)', description: '400 when already suspended.' })
  suspend(@CurrentContext() context: RequestContext, @Param('id') id: string) {
    return this.act(id, 'suspend', context);
  }

  @Post(':id/actions/unsuspend')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Unsuspend a user (site admins)', description: '400 when not suspended.' })
  unsuspend(@CurrentContext() context: RequestContext, @Param('id') id: string) {
    return this.act(id, 'unsuspend', context);
  }

  @Post(':id/actions/grant_admin')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Make a user a site admin', description: '400 when already one.' })
  grantAdmin(@CurrentContext() context: RequestContext, @Param('id') id: string) {
    return this.act(id, 'grant_admin', context);
  }

  @Post(':id/actions/revoke_admin')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: "Revoke a user's site admin flag",
    description: '400 when not one; 422 for the last site admin revoking themselves.',
  })
  revokeAdmin(@CurrentContext() context: RequestContext, @Param('id') id: string) {
    return this.act(id, 'revoke_admin', context);
  }

  @Post(':id/actions/disable_two_factor')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: "Turn off a user's two-factor authentication",
    description: '400 when not enabled.',
  })
  async disableTwoFactor(@CurrentContext() context: RequestContext, @Param('id') id: string) {
    const user = await this.services.request(
      IDENTITY.adminDisableTwoFactor,
      { userId: pathId(id) },
      { context },
    );
    return singleDocument(adminUserResource(user));
  }

  @Post(':id/actions/impersonate')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Impersonate a user (site admins)',
    description:
      'Plain JSON `{"reason": "…"}` (required, for the audit log). 204 and a session cookie acting as the user; ' +
      'every event caused meanwhile records the admin and the reason. 403 while impersonating, for oneself, a ' +
      'suspended user, or from an API token (a browser session is needed to return to).',
  })
  async impersonate(
    @Param('id') id: string,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
    @CurrentContext() context: RequestContext,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    const caller = userOf(principal);
    // Only impersonating admins hold such a session, so this tells no one else anything.
    if (caller.kind === 'session' && caller.impersonatorId)
      throw forbidden('You are already impersonating a user');
    const target = await this.services.request(IDENTITY.adminGetUser, { userId: pathId(id) }, { context });
    const reason = reasonOf(body);
    if (target.id === caller.userId) throw forbidden('You cannot impersonate yourself');
    if (target.isSuspended) throw forbidden('A suspended user cannot be impersonated');
    if (target.isServiceAccount) throw forbidden('A service account cannot be impersonated');
    if (caller.kind !== 'session') throw forbidden('Impersonation needs a browser session to return to');
    const started = await this.services.request(
      IMPERSONATION.start,
      {
        adminUserId: caller.userId,
        adminSessionId: caller.sessionId,
        userId: target.id,
        reason,
        ...(userAgentOf(request) ? { userAgent: userAgentOf(request) } : {}),
      },
      { context },
    );
    setSessionCookie(request, reply, started.token, this.config.cookieSecure);
  }

  @Post('actions/unimpersonate')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Stop impersonating',
    description:
      "With the impersonation session: 204 and a cookie with a fresh session of the admin (the cookie is cleared when the admin's own session ended meanwhile). 400 when not impersonating.",
  })
  async unimpersonate(
    @CurrentPrincipal() principal: Principal,
    @CurrentContext() context: RequestContext,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    const caller = userOf(principal);
    if (caller.kind !== 'session' || !caller.impersonatorId) {
      // Not impersonating: 400 for a site admin, 404 (no admin API at all) for anyone else.
      await this.services.request(IDENTITY.adminGetUser, { userId: caller.userId }, { context });
      throw badRequest('You are not impersonating a user');
    }
    const ended = await this.services.request(
      IMPERSONATION.end,
      {
        userId: caller.userId,
        sessionId: caller.sessionId,
        ...(userAgentOf(request) ? { userAgent: userAgentOf(request) } : {}),
      },
      { context },
    );
    const hash = context.credentialHash;
    if (hash) this.cache.evictCredential(hash);
    this.cache.evictSession(caller.sessionId);
    if (ended.restored) setSessionCookie(request, reply, ended.restored.token, this.config.cookieSecure);
    else clearSessionCookie(request, reply, this.config.cookieSecure);
  }

  private async act(id: string, action: Exclude<AdminUserAction, 'delete'>, context: RequestContext) {
    const userId = pathId(id);
    const user: AccountView = await this.services.request(
      IDENTITY.adminUserAction,
      { userId, action },
      { context },
    );
    // This replica refuses the user's credentials from the very next request (the others on `AccountSuspended`).
    if (action === 'suspend') this.cache.holdUser(userId);
    if (action === 'unsuspend') this.cache.releaseUser(userId);
    return singleDocument(adminUserResource(user));
  }

  /**
   * The names of the organizations a user is an active member of (`include=organizations`), after identity has
   * answered that the caller is a site admin: membership's own-memberships query, asked as that user (a read; it
   * records nothing). Its first 100 memberships: a user in more organizations is listed with the first 100.
   */
  private async organizationsOf(userId: string, context: RequestContext): Promise<string[]> {
    const { memberships } = await this.services.request(
      MEMBERSHIP.listMyMemberships,
      { page: { number: 1, size: 100 }, include: [] },
      { context, actor: { kind: 'user', id: userId } },
    );
    return memberships.filter((m) => m.status === 'active').map((m) => m.organizationName);
  }
}

/**
 * The organizations named by the listed users' `organizations` relationships, once each (`include=organizations`).
 * The admin sees their names and links, not any member's permissions in them: the full organization is the
 * organization API's, answered to its members.
 */
const includedOrganizations = (names: readonly string[]) =>
  [...new Set(names)]
    .sort()
    .map((name) => resource('organizations', name, { name }, { links: { self: organizationPath(name) } }));

/** `{"reason": "…"}` (plain JSON, TFC-API §10): a non-empty string, bounded; 400 otherwise. */
const reasonOf = (body: unknown): string => {
  const reason =
    typeof body === 'object' && body !== null && !Array.isArray(body)
      ? (body as Record<string, unknown>).reason
      : undefined;
  if (typeof reason !== 'string' || reason.trim() === '')
    throw badRequest('A reason is required to impersonate a user', { pointer: '/reason' });
  if (reason.length > REASON_MAX)
    throw badRequest(`The reason is too long (maximum is ${REASON_MAX} characters)`, {
      pointer: '/reason',
    });
  return reason.trim();
};
