import {
  IDENTITY,
  MEMBERSHIP,
  ORGANIZATION_ACCESS_FLAGS,
  type OrganizationAccess,
  type OrganizationPermissions,
  type OrganizationView,
  type RequestMeta,
  TEAM_TOKEN,
  type TeamPermissions,
  type TeamTokenView,
  type TeamView,
  TOKEN,
  USER_TOKEN,
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
 * In-memory stand-ins for what the team-token routes talk to — the token service's verification and `TEAM_TOKEN`
 * patterns, the membership service's `get-organization`, `get-team` and `list-teams` — over the real in-process bus,
 * for `routes/team-tokens.e2e.spec.ts`. The fake membership answers `permissions.can-update-api-token` by the
 * rules of TFC-API §5.2 (the real decision is the membership service's, specified in libs/membership).
 */
type P = Record<string, unknown> & { meta?: RequestMeta };

const fail = (code: string, message: string, details?: Record<string, unknown>): never => {
  throw new RpcException({ code, message, ...(details ? { details } : {}) });
};

const NO_ACCESS = Object.fromEntries(ORGANIZATION_ACCESS_FLAGS.map((f) => [f, false])) as OrganizationAccess;
const NO_ORG_PERMISSIONS: OrganizationPermissions = {
  canUpdate: false,
  canDestroy: false,
  canCreateTeam: false,
  canAccessViaTeams: false,
  canManageUsers: false,
  canViewUsers: false,
  canUpdateApiToken: false,
  canManageSso: false,
  canTraverse: true,
};

export interface FakeOrg {
  id: string;
  name: string;
  ownersTeamId: string;
  members: Set<string>;
}
export interface FakeTeam {
  id: string;
  orgName: string;
  name: string;
  visibility: 'secret' | 'organization';
  allowMemberTokenManagement: boolean;
  access: OrganizationAccess;
  members: Set<string>;
}
interface FakeTeamToken extends TeamTokenView {
  secret: string;
}

/** What an actor is in an organization, for the fake's authorization. */
type Facts =
  | { kind: 'outsider' }
  | { kind: 'member'; userId: string; owner: boolean; access: OrganizationAccess; teams: Set<string> }
  | { kind: 'organization-token' }
  | { kind: 'team-token'; teamId: string; owner: boolean; access: OrganizationAccess };

export class FakeTeamTokenState {
  readonly organizations = new Map<string, FakeOrg>();
  readonly teams = new Map<string, FakeTeam>();
  readonly tokens = new Map<string, FakeTeamToken>();
  /** Session secrets → user id; organization token secrets → organization name. */
  readonly sessions = new Map<string, string>();
  readonly orgTokens = new Map<string, string>();
  readonly users = new Map<string, string>();
  readonly calls: Array<{ pattern: string; payload: P }> = [];
  /** Every secret handed out: must appear in no response but the create that issued it. */
  readonly secrets = new Set<string>();
  now = () => Date.now();

  callsOf(pattern: string) {
    return this.calls.filter((c) => c.pattern === pattern);
  }

  addOrganization(name: string): FakeOrg {
    const org: FakeOrg = { id: newPrefixedId('org'), name, ownersTeamId: '', members: new Set() };
    this.organizations.set(name, org);
    org.ownersTeamId = this.addTeam(name, 'owners').id;
    return org;
  }

  addTeam(
    orgName: string,
    name: string,
    options: Partial<Pick<FakeTeam, 'visibility' | 'allowMemberTokenManagement' | 'access'>> & {
      members?: string[];
    } = {},
  ): FakeTeam {
    const team: FakeTeam = {
      id: newPrefixedId('team'),
      orgName,
      name,
      visibility: options.visibility ?? 'organization',
      allowMemberTokenManagement: options.allowMemberTokenManagement ?? true,
      access: { ...NO_ACCESS, ...options.access },
      members: new Set(options.members ?? []),
    };
    for (const m of team.members) this.organizations.get(orgName)?.members.add(m);
    this.teams.set(team.id, team);
    return team;
  }

  addUser(username: string, orgName?: string): { id: string; token: string } {
    const id = newPrefixedId('user');
    this.users.set(id, username);
    if (orgName) this.organizations.get(orgName)!.members.add(id);
    const token = newLinkToken();
    this.sessions.set(token, id);
    return { id, token };
  }

  joinTeam(teamId: string, userId: string): void {
    const team = this.teams.get(teamId)!;
    team.members.add(userId);
    this.organizations.get(team.orgName)!.members.add(userId);
  }

  addOrganizationToken(orgName: string): string {
    const secret = this.newSecret();
    this.orgTokens.set(secret, orgName);
    return secret;
  }

  newSecret(): string {
    const secret = `${randomBytes(7).toString('hex')}.atlasv1.${randomBytes(51).toString('base64url').slice(0, 67)}`;
    this.secrets.add(secret);
    return secret;
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
    const orgName = this.orgTokens.get(token);
    if (orgName) {
      const org = this.organizations.get(orgName)!;
      return {
        kind: 'organization-token',
        tokenId: `at-org-${org.id}`,
        organizationId: org.id,
        organizationName: org.name,
        tokenKind: 'organization',
        expiresAt: null,
      };
    }
    const t = [...this.tokens.values()].find((x) => x.secret === token);
    if (!t || (t.expiredAt !== null && Date.parse(t.expiredAt) <= this.now())) return null;
    return {
      kind: 'team-token',
      tokenId: t.id,
      teamId: t.teamId,
      organizationId: t.organizationId,
      expiresAt: t.expiredAt,
    };
  }

  private factsIn(org: FakeOrg, meta: RequestMeta | undefined): Facts {
    const actor = meta?.actor;
    if (actor?.kind === 'organization') return actor.id === org.id ? { kind: 'organization-token' } : OUT;
    if (actor?.kind === 'team') {
      const team = this.teams.get(actor.id);
      if (!team || team.orgName !== org.name) return OUT;
      return {
        kind: 'team-token',
        teamId: team.id,
        owner: team.id === org.ownersTeamId,
        access: team.access,
      };
    }
    if (actor?.kind !== 'user' || !org.members.has(actor.id)) return OUT;
    const teams = [...this.teams.values()].filter((t) => t.orgName === org.name && t.members.has(actor.id));
    const access = { ...NO_ACCESS };
    for (const t of teams) for (const f of ORGANIZATION_ACCESS_FLAGS) if (t.access[f]) access[f] = true;
    return {
      kind: 'member',
      userId: actor.id,
      owner: teams.some((t) => t.id === org.ownersTeamId),
      access,
      teams: new Set(teams.map((t) => t.id)),
    };
  }

  organizationFor(name: string, meta: RequestMeta | undefined): OrganizationView {
    const org = this.organizations.get(name);
    if (!org || this.factsIn(org, meta).kind === 'outsider')
      return fail('ORGANIZATION.NOT_FOUND', 'not found');
    return {
      id: org.id,
      name: org.name,
      email: `${org.name}@example.com`,
      createdAt: '2025-01-01T00:00:00.000Z',
      settings: {} as OrganizationView['settings'],
      ownersTeamId: org.ownersTeamId,
      twoFactorConformant: true,
      permissions: NO_ORG_PERMISSIONS,
    };
  }

  /** The team as `membership.get-team` answers this actor, or undefined when the actor may not see it. */
  teamFor(team: FakeTeam, meta: RequestMeta | undefined): TeamView | undefined {
    const org = this.organizations.get(team.orgName)!;
    const f = this.factsIn(org, meta);
    if (f.kind === 'outsider') return undefined;
    const owner = (f.kind === 'member' || f.kind === 'team-token') && f.owner;
    const has = (flag: keyof OrganizationAccess) =>
      owner || ((f.kind === 'member' || f.kind === 'team-token') && f.access[flag]);
    const onTeam =
      (f.kind === 'member' && f.teams.has(team.id)) || (f.kind === 'team-token' && f.teamId === team.id);
    const seesSecret = f.kind === 'organization-token' || has('accessSecretTeams');
    if (team.visibility === 'secret' && !seesSecret && !onTeam) return undefined;
    const manage = f.kind === 'organization-token' || has('manageTeams');
    const tokens = manage || (team.allowMemberTokenManagement && f.kind === 'member' && f.teams.has(team.id));
    const permissions: TeamPermissions = {
      canDestroy: manage,
      canUpdateMembership: manage,
      canUpdateOrganizationAccess: manage,
      canUpdateApiToken: tokens,
      canUpdateVisibility: manage,
      canUpdateName: manage,
      canUpdateSsoTeamId: manage,
      canUpdateMemberTokenManagement: manage,
      canViewApiToken: tokens,
    };
    return {
      id: team.id,
      organizationId: org.id,
      organizationName: org.name,
      name: team.name,
      isOwners: team.id === org.ownersTeamId,
      visibility: team.visibility,
      ssoTeamId: null,
      allowMemberTokenManagement: team.allowMemberTokenManagement,
      organizationAccess: team.access,
      createdAt: '2025-01-01T00:00:00.000Z',
      userIds: [...team.members],
      membershipIds: [],
      permissions,
    };
  }
}

const OUT: Facts = { kind: 'outsider' };

export const FAKE_TEAM_TOKENS = Symbol('FAKE_TEAM_TOKENS');

const view = ({ secret: _s, ...v }: FakeTeamToken): TeamTokenView => v;
const NOTHING_INCLUDED = () => ({ users: [], teams: [], memberships: [], organizations: [] });

@Controller()
class FakeTeamTokenHandlers {
  constructor(@Inject(FAKE_TEAM_TOKENS) private readonly s: FakeTeamTokenState) {}

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
    const username = this.s.users.get(String(p.userId));
    if (!username) return fail('ACCOUNT.NOT_FOUND', 'not found');
    return { id: p.userId, username, avatarUrl: 'https://example.com/a.png', isServiceAccount: false };
  }

  @MessagePattern(MEMBERSHIP.getOrganization)
  getOrganization(@Payload() p: P) {
    this.record(MEMBERSHIP.getOrganization, p);
    return { organization: this.s.organizationFor(String(p.organization), p.meta) };
  }

  @MessagePattern(MEMBERSHIP.getTeam)
  getTeam(@Payload() p: P) {
    this.record(MEMBERSHIP.getTeam, p);
    const team = this.s.teams.get(String(p.teamId));
    const visible = team && this.s.teamFor(team, p.meta);
    return visible
      ? { team: visible, included: NOTHING_INCLUDED() }
      : fail('TEAM.NOT_FOUND', 'team not found');
  }

  @MessagePattern(MEMBERSHIP.listTeams)
  listTeams(@Payload() p: P) {
    this.record(MEMBERSHIP.listTeams, p);
    this.s.organizationFor(String(p.organization), p.meta);
    const all = [...this.s.teams.values()]
      .filter((t) => t.orgName === p.organization)
      .flatMap((t) => this.s.teamFor(t, p.meta) ?? []);
    const page = p.page as { number: number; size: number };
    const teams = all.slice((page.number - 1) * page.size, page.number * page.size);
    return { teams, total: all.length, page, included: NOTHING_INCLUDED() };
  }

  /** No user tokens here: `GET`/`DELETE /authentication-tokens/:id` ask for one first. */
  @MessagePattern(USER_TOKEN.getUserToken)
  getUserToken() {
    return fail('TOKEN.NOT_FOUND', 'token not found');
  }

  @MessagePattern(TEAM_TOKEN.createTeamToken)
  create(@Payload() p: P) {
    this.record(TEAM_TOKEN.createTeamToken, p);
    if (typeof p.expiredAt === 'string' && Date.parse(p.expiredAt) <= this.s.now())
      fail('TOKEN.INVALID_EXPIRY', 'Expired at must be in the future', { attribute: 'expiredAt' });
    const live = [...this.s.tokens.values()].filter((t) => t.teamId === p.teamId);
    const description = p.description === null ? null : String(p.description);
    if (description !== null && live.some((t) => t.description === description))
      fail('TOKEN.DESCRIPTION_TAKEN', 'Validation failed: Description has already been taken', {
        attribute: 'description',
      });
    const legacy = description === null ? live.find((t) => t.description === null) : undefined;
    if (legacy) this.s.tokens.delete(legacy.id);
    const actor = p.meta?.actor;
    const secret = this.s.newSecret();
    const token: FakeTeamToken = {
      id: newPrefixedId('at'),
      teamId: String(p.teamId),
      organizationId: String(p.organizationId),
      description,
      createdAt: new Date(this.s.now()).toISOString(),
      lastUsedAt: null,
      expiredAt: typeof p.expiredAt === 'string' ? new Date(p.expiredAt).toISOString() : null,
      createdBy: {
        type: actor?.kind === 'organization' ? 'organizations' : actor?.kind === 'team' ? 'teams' : 'users',
        id: String(actor?.id),
      },
      secret,
    };
    this.s.tokens.set(token.id, token);
    return { token: view(token), secret, replacedTokenId: legacy?.id ?? null };
  }

  @MessagePattern(TEAM_TOKEN.getTeamToken)
  get(@Payload() p: P) {
    this.record(TEAM_TOKEN.getTeamToken, p);
    const token = this.s.tokens.get(String(p.tokenId));
    return token ? view(token) : fail('TOKEN.NOT_FOUND', 'token not found');
  }

  @MessagePattern(TEAM_TOKEN.getLegacyTeamToken)
  getLegacy(@Payload() p: P) {
    this.record(TEAM_TOKEN.getLegacyTeamToken, p);
    const token = [...this.s.tokens.values()].find((t) => t.teamId === p.teamId && t.description === null);
    return token ? view(token) : fail('TOKEN.NOT_FOUND', 'token not found');
  }

  @MessagePattern(TEAM_TOKEN.listTeamTokens)
  list(@Payload() p: P) {
    this.record(TEAM_TOKEN.listTeamTokens, p);
    const teamIds = p.teamIds as string[] | undefined;
    return {
      tokens: [...this.s.tokens.values()]
        .filter((t) => t.organizationId === p.organizationId && (!teamIds || teamIds.includes(t.teamId)))
        .map(view),
    };
  }

  @MessagePattern(TEAM_TOKEN.deleteTeamTokens)
  delete(@Payload() p: P) {
    this.record(TEAM_TOKEN.deleteTeamTokens, p);
    const ids = p.tokenIds as string[];
    if (ids.some((id) => !this.s.tokens.has(id))) return fail('TOKEN.NOT_FOUND', 'token not found');
    for (const id of ids) this.s.tokens.delete(id);
    return { revoked: true, tokenIds: ids };
  }

  @MessagePattern(MEMBERSHIP.deleteTeam)
  deleteTeam(@Payload() p: P) {
    this.record(MEMBERSHIP.deleteTeam, p);
    const team = this.s.teams.get(String(p.teamId));
    const visible = team && this.s.teamFor(team, p.meta);
    if (!team || !visible?.permissions.canDestroy) return fail('TEAM.NOT_FOUND', 'team not found');
    this.s.teams.delete(team.id);
    return { ok: true };
  }

  @MessagePattern(TEAM_TOKEN.closeTeamTokens)
  closeTeamTokens(@Payload() p: P) {
    this.record(TEAM_TOKEN.closeTeamTokens, p);
    const gone = [...this.s.tokens.values()].filter((t) => t.teamId === p.teamId);
    for (const t of gone) this.s.tokens.delete(t.id);
    return { revoked: true, tokenIds: gone.map((t) => t.id) };
  }

  @MessagePattern(TEAM_TOKEN.deleteLegacyTeamToken)
  deleteLegacy(@Payload() p: P) {
    this.record(TEAM_TOKEN.deleteLegacyTeamToken, p);
    const token = [...this.s.tokens.values()].find((t) => t.teamId === p.teamId && t.description === null);
    if (!token) return fail('TOKEN.NOT_FOUND', 'token not found');
    this.s.tokens.delete(token.id);
    return { revoked: true, tokenIds: [token.id] };
  }
}

export interface FakeTeamTokensApp {
  app: NestFastifyApplication;
  state: FakeTeamTokenState;
  close(): Promise<void>;
}

/** A gateway test app whose bus reaches only these fakes, over an in-process broker. */
export const createGatewayAppWithFakeTeamTokens = async (
  options: Omit<GatewayTestAppOptions, 'bus'> & { providers?: Provider[] } = {},
): Promise<FakeTeamTokensApp> => {
  const state = new FakeTeamTokenState();
  const broker = new InProcessBroker({ defaultPartitions: 1, retryInitialMs: 10, retryMaxMs: 100 });
  for (const pattern of SERVICE_PATTERNS) broker.createTopic(pattern, 1);
  const client = new InProcessBusClient({ broker });
  const app = await createGatewayTestApp({
    ...options,
    bus: client,
    controllers: [FakeTeamTokenHandlers, ...(options.controllers ?? [])],
    providers: [{ provide: FAKE_TEAM_TOKENS, useValue: state }, ...(options.providers ?? [])],
    beforeInit: async (a) => {
      a.get<BusClient>(BUS_CLIENT);
      a.connectMicroservice(inProcessServerOptions({ broker, groupId: 'fake-team-tokens' }), {
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
