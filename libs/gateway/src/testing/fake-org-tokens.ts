import {
  IDENTITY,
  MEMBERSHIP,
  ORG_TOKEN,
  type OrganizationPermissions,
  type OrganizationTokenKind,
  type OrganizationTokenView,
  type OrganizationView,
  type RequestMeta,
  TEAM_TOKEN,
  TOKEN,
} from '@idp/contracts';
import {
  BUS_CLIENT,
  type BusClient,
  InProcessBroker,
  InProcessBusClient,
  inProcessServerOptions,
  newLinkToken,
} from '@idp/eventing';
import { Controller, Inject, type Provider } from '@nestjs/common';
import { MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { SERVICE_PATTERNS } from '../bus/service-messages';
import { newPrefixedId } from '../jsonapi/ids';
import { createGatewayTestApp, type GatewayTestAppOptions } from './gateway-test-app';

/**
 * In-memory stand-ins for what the organization-token routes talk to — the token service's verification and
 * `ORG_TOKEN` patterns, the membership service's `get-organization` — over the real in-process bus, for
 * `routes/organization-token.e2e.spec.ts`. Kept apart from `fake-services.ts`: this app has only these fakes, so it
 * does not depend on (or clash with) the membership fakes written there for the membership routes.
 */
type P = Record<string, unknown> & { meta?: RequestMeta };

interface FakeOrganization {
  id: string;
  name: string;
  owners: Set<string>;
  members: Set<string>;
}

interface FakeOrgToken extends OrganizationTokenView {
  secret: string;
}

const fail = (code: string, message: string, details?: Record<string, unknown>): never => {
  throw new RpcException({ code, message, ...(details ? { details } : {}) });
};

const NO_PERMISSIONS: OrganizationPermissions = {
  canUpdate: false,
  canDestroy: false,
  canCreateTeam: false,
  canAccessViaTeams: false,
  canManageUsers: false,
  canViewUsers: false,
  canUpdateApiToken: false,
  canManageSso: false,
  canTraverse: false,
};

export class FakeOrgTokenState {
  readonly organizations = new Map<string, FakeOrganization>();
  /** Live tokens by `<organizationId>:<kind>`. */
  readonly tokens = new Map<string, FakeOrgToken>();
  /** Users' session secrets (the only other credential these tests need). */
  readonly sessions = new Map<string, string>();
  /** Usernames by user id, for `identity.get-user`. */
  readonly users = new Map<string, string>();
  /** Every message received: pattern and payload (with `meta`). */
  readonly calls: Array<{ pattern: string; payload: P }> = [];
  /** Every secret handed out: must appear in no response but the create that issued it. */
  readonly secrets = new Set<string>();
  /** The clock verification judges expiry by. */
  now = () => Date.now();

  callsOf(pattern: string) {
    return this.calls.filter((c) => c.pattern === pattern);
  }

  addOrganization(name: string, roles: { owners?: string[]; members?: string[] } = {}): FakeOrganization {
    const org = {
      id: newPrefixedId('org'),
      name,
      owners: new Set(roles.owners ?? []),
      members: new Set(roles.members ?? []),
    };
    this.organizations.set(name, org);
    return org;
  }

  /** A user (for `identity.get-user`) and a session secret of theirs (bearer token). */
  addUser(username: string): { id: string; token: string } {
    const id = newPrefixedId('user');
    this.users.set(id, username);
    return { id, token: this.sessionFor(id) };
  }

  /** A session secret for a user id (bearer token). */
  sessionFor(userId: string): string {
    const token = newLinkToken();
    this.sessions.set(token, userId);
    return token;
  }

  verify(token: string): unknown {
    const userId = this.sessions.get(token);
    if (userId)
      return {
        kind: 'session',
        sessionId: `sess-${userId}`,
        userId,
        expiresAt: new Date(this.now() + 3_600_000).toISOString(),
      };
    const t = [...this.tokens.values()].find((x) => x.secret === token);
    if (!t || (t.expiredAt !== null && Date.parse(t.expiredAt) <= this.now())) return null;
    return {
      kind: 'organization-token',
      tokenId: t.id,
      organizationId: t.organizationId,
      organizationName: t.organizationName,
      tokenKind: t.kind,
      expiresAt: t.expiredAt,
    };
  }

  /** As the membership service answers `get-organization` for this actor (404 for outsiders). */
  organizationFor(name: string, meta: RequestMeta | undefined): OrganizationView {
    const org = this.organizations.get(name);
    const actor = meta?.actor;
    if (!org) return fail('ORGANIZATION.NOT_FOUND', 'organization not found');
    const owner = actor?.kind === 'user' && org.owners.has(actor.id);
    const member = actor?.kind === 'user' && org.members.has(actor.id);
    const itsToken = actor?.kind === 'organization' && actor.id === org.id;
    if (!owner && !member && !itsToken) return fail('ORGANIZATION.NOT_FOUND', 'organization not found');
    return {
      id: org.id,
      name: org.name,
      email: `${org.name}@example.com`,
      createdAt: '2025-01-01T00:00:00.000Z',
      settings: {} as OrganizationView['settings'],
      ownersTeamId: 'team-owners',
      twoFactorConformant: true,
      permissions: { ...NO_PERMISSIONS, canTraverse: true, canUpdateApiToken: owner || itsToken },
    };
  }
}

export const FAKE_ORG_TOKENS = Symbol('FAKE_ORG_TOKENS');

const key = (organizationId: unknown, kind: unknown) => `${String(organizationId)}:${String(kind)}`;
const view = ({ secret: _s, ...v }: FakeOrgToken): OrganizationTokenView => v;

@Controller()
class FakeOrgTokenHandlers {
  constructor(@Inject(FAKE_ORG_TOKENS) private readonly s: FakeOrgTokenState) {}

  private record(pattern: string, payload: P) {
    this.s.calls.push({ pattern, payload });
  }

  @MessagePattern(TOKEN.verifyCredential)
  verify(@Payload() p: P) {
    this.record(TOKEN.verifyCredential, p);
    return this.s.verify(String(p.token));
  }

  @MessagePattern(IDENTITY.getUser)
  getUser(@Payload() p: P) {
    this.record(IDENTITY.getUser, p);
    const username = this.s.users.get(String(p.userId));
    if (!username) return fail('ACCOUNT.NOT_FOUND', 'not found');
    return { id: p.userId, username, avatarUrl: 'https://example.com/a.png', isServiceAccount: false };
  }

  @MessagePattern(MEMBERSHIP.getOrganization)
  getOrganization(@Payload() p: P) {
    this.record(MEMBERSHIP.getOrganization, p);
    return { organization: this.s.organizationFor(String(p.organization), p.meta) };
  }

  /** No team tokens here (`GET`/`DELETE /authentication-tokens/:id` ask): every id is unknown. */
  @MessagePattern(TEAM_TOKEN.getTeamToken)
  getTeamToken(@Payload() p: P) {
    this.record(TEAM_TOKEN.getTeamToken, p);
    return fail('TOKEN.NOT_FOUND', 'token not found');
  }

  @MessagePattern(ORG_TOKEN.createOrganizationToken)
  create(@Payload() p: P) {
    this.record(ORG_TOKEN.createOrganizationToken, p);
    if (typeof p.expiredAt === 'string' && Date.parse(p.expiredAt) <= this.s.now())
      fail('TOKEN.INVALID_EXPIRY', 'Expired at must be in the future', { attribute: 'expiredAt' });
    const actor = p.meta?.actor;
    const secret = `${randomBytes(7).toString('hex')}.atlasv1.${randomBytes(51).toString('base64url').slice(0, 67)}`;
    this.s.secrets.add(secret);
    const previous = this.s.tokens.get(key(p.organizationId, p.kind));
    const token: FakeOrgToken = {
      id: newPrefixedId('at'),
      organizationId: String(p.organizationId),
      organizationName: String(p.organizationName),
      kind: p.kind as OrganizationTokenKind,
      createdAt: new Date(this.s.now()).toISOString(),
      lastUsedAt: null,
      expiredAt: typeof p.expiredAt === 'string' ? new Date(p.expiredAt).toISOString() : null,
      createdBy: {
        type: actor?.kind === 'organization' ? 'organizations' : 'users',
        id: String(actor?.id),
      },
      secret,
    };
    this.s.tokens.set(key(p.organizationId, p.kind), token);
    return { token: view(token), secret, replacedTokenId: previous?.id ?? null };
  }

  @MessagePattern(ORG_TOKEN.getOrganizationToken)
  get(@Payload() p: P) {
    this.record(ORG_TOKEN.getOrganizationToken, p);
    const token = this.s.tokens.get(key(p.organizationId, p.kind));
    return token ? view(token) : fail('TOKEN.NOT_FOUND', 'token not found');
  }

  @MessagePattern(ORG_TOKEN.deleteOrganizationToken)
  delete(@Payload() p: P) {
    this.record(ORG_TOKEN.deleteOrganizationToken, p);
    const token = this.s.tokens.get(key(p.organizationId, p.kind));
    if (!token) return fail('TOKEN.NOT_FOUND', 'token not found');
    this.s.tokens.delete(key(p.organizationId, p.kind));
    return { revoked: true, tokenId: token.id };
  }
}

/** The patterns the organization-token routes send beyond `SERVICE_PATTERNS` (until it lists them). */
export const ORG_TOKEN_ROUTE_PATTERNS: readonly string[] = [
  ...Object.values(ORG_TOKEN),
  TEAM_TOKEN.getTeamToken,
  MEMBERSHIP.getOrganization,
];

export interface FakeOrgTokensApp {
  app: NestFastifyApplication;
  state: FakeOrgTokenState;
  close(): Promise<void>;
}

/**
 * A gateway test app (GatewayModule plus `options.controllers`) whose bus reaches only these fakes, over an
 * in-process broker connected as `startHost` connects services.
 */
export const createGatewayAppWithFakeOrgTokens = async (
  options: Omit<GatewayTestAppOptions, 'bus'> & { providers?: Provider[] } = {},
): Promise<FakeOrgTokensApp> => {
  const state = new FakeOrgTokenState();
  const broker = new InProcessBroker({ defaultPartitions: 1, retryInitialMs: 10, retryMaxMs: 100 });
  for (const pattern of [...SERVICE_PATTERNS, ...ORG_TOKEN_ROUTE_PATTERNS]) broker.createTopic(pattern, 1);
  const client = new InProcessBusClient({ broker });
  const app = await createGatewayTestApp({
    ...options,
    bus: client,
    controllers: [FakeOrgTokenHandlers, ...(options.controllers ?? [])],
    providers: [{ provide: FAKE_ORG_TOKENS, useValue: state }, ...(options.providers ?? [])],
    beforeInit: async (a) => {
      // `ServiceClient` subscribes these reply topics itself now (they are in `SERVICE_PATTERNS`); kept so the fake
      // does not depend on that list (subscribing twice is harmless).
      const bus = a.get<BusClient>(BUS_CLIENT);
      for (const pattern of ORG_TOKEN_ROUTE_PATTERNS) bus.subscribeToResponseOf(pattern);
      a.connectMicroservice(inProcessServerOptions({ broker, groupId: 'fake-org-tokens' }), {
        inheritAppConfig: true,
      });
      await options.beforeInit?.(a);
    },
  });
  await app.startAllMicroservices();
  return {
    app,
    state,
    close: async () => {
      await client.close();
      await app.close();
      await broker.close();
    },
  };
};
