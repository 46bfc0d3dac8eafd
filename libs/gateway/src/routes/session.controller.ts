import { IDENTITY, TOKEN, TWO_FACTOR } from '@idp/contracts';
import { Delete, Get, HttpCode, HttpStatus, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { CREDENTIAL_CACHE } from '../auth/auth.tokens';
import type { CredentialCache } from '../auth/credential-cache';
import { clearSessionCookie, setSessionCookie } from '../auth/session-cookie';
import { TwoFactorStep } from '../auth/two-factor-step';
import { ServiceClient } from '../bus/service-client';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import { notFound } from '../errors/json-api-error';
import { JsonApiController } from '../http/json-api-controller';
import {
  CurrentContext,
  CurrentPrincipal,
  type Principal,
  PublicRoute,
  type RequestContext,
  userIdOf,
} from '../http/request-context';
import { listDocument, singleDocument } from '../jsonapi/document';
import { type JsonApiInput, JsonApiBody } from '../validation/json-api-body';
import { ApiJsonApiBody } from '../validation/openapi';
import { createSessionBody, pathId } from './account-input';
import { createdSessionResource, sessionResource } from './session-resource';

const MAX_USER_AGENT = 512;

const userAgentOf = (request: FastifyRequest): string | undefined => {
  const ua = request.headers['user-agent'];
  return typeof ua === 'string' && ua ? ua.slice(0, MAX_USER_AGENT) : undefined;
};

/**
 * Login and logout (TFC-API §15): `POST /session` checks the password with the identity service, then the token
 * service starts a session; the secret is returned once in the document and set as the `idp_session` cookie.
 * The same 401 for an unknown login and a wrong password (the identity service answers both with
 * `AUTH.INVALID_CREDENTIALS`); a locked login is 429 with `X-RateLimit-Reset`.
 */
@ApiTags('session')
@JsonApiController('session')
export class SessionController {
  constructor(
    private readonly services: ServiceClient,
    @Inject(CREDENTIAL_CACHE) private readonly cache: CredentialCache,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Post()
  @PublicRoute()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary: 'Log in',
    description: '201 sessions document with the token (shown once) and an HttpOnly session cookie.',
  })
  @ApiJsonApiBody(createSessionBody)
  async create(
    @CurrentContext() context: RequestContext,
    @JsonApiBody(createSessionBody) body: JsonApiInput<typeof createSessionBody>,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const auth = await this.services.request(IDENTITY.authenticate, body.attributes, { context });
    // A second factor is owed: the session proves only the password, and can do nothing but complete it.
    const started = await this.services.request(
      TOKEN.startSession,
      {
        userId: auth.userId,
        requestId: randomUUID(),
        ...(userAgentOf(request) ? { userAgent: userAgentOf(request) } : {}),
        ...(auth.twoFactorRequired ? { twoFactorPending: true as const } : {}),
      },
      { context },
    );
    if (auth.twoFactorRequired && auth.twoFactorDelivery === 'sms')
      // The login code goes out at once; a failure (the SMS limits) leaves the user the resend route.
      await this.services
        .request(
          TWO_FACTOR.sendSmsCode,
          { userId: auth.userId },
          { context, actor: { kind: 'user', id: auth.userId } },
        )
        .catch(() => undefined);
    setSessionCookie(request, reply, started.token, this.config.cookieSecure);
    reply.header('Cache-Control', 'no-store');
    return singleDocument(createdSessionResource(started, auth.twoFactorRequired));
  }

  @Delete()
  @TwoFactorStep()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiBearerAuth()
  @ApiCookieAuth()
  @ApiOperation({ summary: 'Log out', description: 'Ends the current session and clears the cookie.' })
  async destroy(
    @CurrentPrincipal() principal: Principal,
    @CurrentContext() context: RequestContext,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    // Only a browser session can log out; an API token is revoked through its own route.
    if (principal.kind !== 'session') throw notFound();
    await this.services.request(
      TOKEN.endSession,
      {
        userId: principal.userId,
        sessionId: principal.sessionId,
        reason: 'logout',
      },
      { context },
    );
    const hash = context.credentialHash;
    if (hash) this.cache.evictCredential(hash);
    this.cache.evictSession(principal.sessionId);
    clearSessionCookie(request, reply, this.config.cookieSecure);
  }
}

/**
 * The caller's live sessions: list them, end one (another device, or this one). An organization token has none: 404.
 */
@ApiTags('session')
@ApiBearerAuth()
@ApiCookieAuth()
@JsonApiController('account/sessions')
export class AccountSessionsController {
  constructor(
    private readonly services: ServiceClient,
    @Inject(CREDENTIAL_CACHE) private readonly cache: CredentialCache,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List my sessions', description: 'The current one has `current: true`.' })
  async list(@CurrentPrincipal() principal: Principal, @CurrentContext() context: RequestContext) {
    const { sessions } = await this.services.request(
      TOKEN.listSessions,
      {
        userId: userIdOf(principal),
        currentSessionId: principal.kind === 'session' ? principal.sessionId : undefined,
      },
      { context },
    );
    return listDocument(sessions.map(sessionResource));
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'End one of my sessions', description: '404 for a session that is not mine.' })
  async end(
    @CurrentPrincipal() principal: Principal,
    @CurrentContext() context: RequestContext,
    @Param('id') id: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    const userId = userIdOf(principal);
    const sessionId = pathId(id);
    const current = principal.kind === 'session' && sessionId === principal.sessionId;
    await this.services.request(
      TOKEN.endSession,
      {
        userId,
        sessionId,
        reason: current ? 'logout' : 'revoked',
      },
      { context },
    );
    this.cache.evictSession(sessionId);
    if (current) clearSessionCookie(request, reply, this.config.cookieSecure);
  }
}
