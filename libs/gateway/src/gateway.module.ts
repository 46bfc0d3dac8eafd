import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { AUTH_CLOCK, CREDENTIAL_CACHE } from './auth/auth.tokens';
import { AuthenticationGuard } from './auth/authentication.guard';
import { CredentialCache } from './auth/credential-cache';
import { CredentialEvictionHandlers } from './auth/credential-eviction.handlers';
import { ServiceClient } from './bus/service-client';
import { GATEWAY_CONFIG, type GatewayConfig, loadGatewayConfig } from './config/gateway-config';
import { GatewayDocs } from './docs/gateway-docs';
import { GatewayExceptionFilter } from './errors/gateway-exception.filter';
import { GatewayHttpSetup } from './http/gateway-http.setup';
import { AccountController } from './routes/account.controller';
import { DiscoveryController } from './routes/discovery.controller';
import { IactController } from './routes/iact.controller';
import { AuthenticationTokensController } from './routes/authentication-tokens.controller';
import { rateLimitProviders } from './rate-limit/rate-limit.guard';
import { PingController } from './routes/ping.controller';
import { AccountSessionsController, SessionController } from './routes/session.controller';
import { AccountTwoFactorController, SessionTwoFactorController } from './routes/two-factor.controller';
import { UsersController } from './routes/users.controller';
import { OrganizationsController } from './routes/organizations.controller';
import { OrganizationMembershipsController } from './routes/organization-memberships.controller';
import { TeamsController } from './routes/teams.controller';
import { InvitationsController } from './routes/invitations.controller';
import { OrganizationTokenController } from './routes/organization-token.controller';
import { TeamTokenAccess, TeamTokensController } from './routes/team-tokens.controller';
import { TokenTtlPoliciesController } from './routes/token-ttl-policies.controller';
import { AdminUsersController } from './routes/admin-users.controller';

/**
 * The API gateway (see docs/architecture.md and this lib's README): the HTTP framing of the whole surface —
 * JSON:API error documents from one exception filter, lenient JSON body parsing, TFC's version and rate-limit
 * headers on every response, `GET /api/v2/ping`, `GET /.well-known/terraform.json`, and the OpenAPI document at
 * `/api/docs` (UI) and `/api/docs-json` — plus authentication of every `/api/v2` route (`AuthenticationGuard`,
 * bearer token or session cookie, verified by the token service behind a short cache) and the account, user,
 * session and IACT routes, which reach the services through `ServiceClient` on the process's `BUS_CLIENT`.
 * Configuration comes from the environment (`loadGatewayConfig`); tests override `GATEWAY_CONFIG`.
 */
@Module({
  controllers: [
    PingController,
    DiscoveryController,
    AccountController,
    UsersController,
    SessionController,
    AccountSessionsController,
    AccountTwoFactorController,
    SessionTwoFactorController,
    IactController,
    AuthenticationTokensController,
    OrganizationsController,
    OrganizationMembershipsController,
    TeamsController,
    InvitationsController,
    OrganizationTokenController,
    TeamTokensController,
    TokenTtlPoliciesController,
    AdminUsersController,
    // Not HTTP: evicts revoked credentials from the cache on token and identity events (every replica).
    CredentialEvictionHandlers,
  ],
  providers: [
    TeamTokenAccess,
    { provide: GATEWAY_CONFIG, useFactory: () => loadGatewayConfig() },
    { provide: AUTH_CLOCK, useValue: () => Date.now() },
    {
      provide: CREDENTIAL_CACHE,
      inject: [GATEWAY_CONFIG, AUTH_CLOCK],
      useFactory: (config: GatewayConfig, now: () => number) =>
        new CredentialCache({ ttlMs: config.authCacheTtlMs, maxEntries: config.authCacheMaxEntries, now }),
    },
    { provide: APP_FILTER, useClass: GatewayExceptionFilter },
    // No global interceptor: the request context and the JSON:API content type are Fastify hooks (GatewayHttpSetup).
    { provide: APP_GUARD, useClass: AuthenticationGuard },
    // After authentication (global guards run in registration order): logged-in callers are limited per user.
    ...rateLimitProviders,
    ServiceClient,
    GatewayHttpSetup,
    GatewayDocs,
  ],
  exports: [GATEWAY_CONFIG, ServiceClient, CREDENTIAL_CACHE],
})
export class GatewayModule {}
