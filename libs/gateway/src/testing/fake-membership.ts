import {
  type EntitlementsView,
  type InvitationView,
  MEMBERSHIP,
  type MemberUserView,
  type MembershipIncluded,
  type MembershipList,
  type MembershipStatus,
  type MembershipView,
  ORGANIZATION_ACCESS_FLAGS,
  type OrganizationAccess,
  type OrganizationSettings,
  type OrganizationView,
  type RequestMeta,
  setTokenTtlPoliciesRequest,
  TOKEN_TTL_TYPES,
  type TeamView,
  type TeamVisibility,
  type TokenTtlPolicy,
  type TokenTtlPolicyList,
  type UserOwnershipsView,
} from '@idp/contracts';
import { newLinkToken } from '@idp/eventing';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { newPrefixedId } from '../jsonapi/ids';

/**
 * An in-memory stand-in for the membership service, answering the real `MEMBERSHIP` patterns over the in-process
 * bus for the gateway's e2e tests. Plausible, not complete: organizations with an owners team, invitations by
 * e-mail (the token is `<org id>.<secret>`), teams with organization access, team membership by username or
 * membership id, and the authorization outline of the real service (owners may do everything; members see the
 * organization and visible teams; managing membership and teams takes the team flags; what may not be seen is
 * `*.NOT_FOUND`). The real service is tested in libs/membership and end to end in apps/.
 */

/** The accounts the fake identity service holds (what membership mirrors from identity's events). */
export interface FakeUserSource {
  readonly accounts: ReadonlyMap<
    string,
    {
      id: string;
      username: string;
      email: string;
      emailConfirmed: boolean;
      avatarUrl: string;
      isServiceAccount: boolean;
      twoFactor: { enabled: boolean; verified: boolean };
    }
  >;
  readonly calls: Array<{ pattern: string; payload: Record<string, unknown> }>;
  readonly secrets: Set<string>;
}

export interface FakeOrganization {
  id: string;
  name: string;
  email: string;
  createdAt: string;
  settings: OrganizationSettings;
  ownersTeamId: string;
  entitlements: { features: Record<string, boolean>; limits: Record<string, number | null> };
  /** Token TTL policies (TFC-API §5.4), one per type that has a maximum, in `TOKEN_TTL_TYPES` order. */
  tokenTtlPolicies?: TokenTtlPolicy[];
}

export interface FakeTeam {
  id: string;
  organizationId: string;
  name: string;
  visibility: TeamVisibility;
  ssoTeamId: string | null;
  allowMemberTokenManagement: boolean;
  organizationAccess: OrganizationAccess;
  createdAt: string;
  memberIds: Set<string>;
}

export interface FakeMembership {
  id: string;
  organizationId: string;
  email: string;
  status: MembershipStatus;
  userId: string | null;
  createdAt: string;
  invitation: { token: string; expiresAt: string; invitedBy: string | null } | null;
}

export const DEFAULT_SETTINGS: OrganizationSettings = {
  sessionTimeout: 20160,
  sessionRemember: 20160,
  collaboratorAuthPolicy: 'password',
  ownersTeamSamlRoleId: null,
  costEstimationEnabled: false,
  sendPassingStatusesForUntriggeredSpeculativePlans: false,
  aggregatedCommitStatusEnabled: true,
  speculativePlanManagementEnabled: true,
  assessmentsEnforced: false,
  allowForceDeleteWorkspaces: false,
  defaultExecutionMode: 'remote',
  stacksEnabled: false,
  userTokensEnabled: true,
  maxTtlEnabled: false,
};

const NO_ACCESS = Object.fromEntries(ORGANIZATION_ACCESS_FLAGS.map((f) => [f, false])) as OrganizationAccess;
const FULL_ACCESS = Object.fromEntries(ORGANIZATION_ACCESS_FLAGS.map((f) => [f, true])) as OrganizationAccess;

const fail = (code: string, message: string, details?: Record<string, unknown>): never => {
  throw new RpcException({ code, message, ...(details ? { details } : {}) });
};

const NAME = /^[A-Za-z0-9_-]+$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i;

type Caller =
  | { kind: 'outsider' }
  | {
      kind: 'member';
      userId: string;
      membershipId: string;
      isOwner: boolean;
      access: OrganizationAccess;
      teamIds: Set<string>;
    };

export class FakeMembershipState {
  readonly organizations = new Map<string, FakeOrganization>();
  readonly teams = new Map<string, FakeTeam>();
  readonly memberships = new Map<string, FakeMembership>();
  /** Errors to answer instead, once each, by pattern (error-mapping tests). */
  readonly failures = new Map<string, { code: string; message: string; details?: Record<string, unknown> }>();

  constructor(readonly users: FakeUserSource) {}

  /** The next request of `pattern` fails with this error. */
  failNext(pattern: string, error: { code: string; message: string; details?: Record<string, unknown> }) {
    this.failures.set(pattern, error);
  }

  // ------------------------------------------------------------------------------------------ set-up helpers

  /** An organization owned by `ownerId` (active in `owners`), as `POST /organizations` makes it. */
  createOrganization(
    name: string,
    email: string,
    ownerId: string,
    settings: Partial<OrganizationSettings> = {},
  ) {
    const owner = this.account(ownerId);
    const now = new Date().toISOString();
    const org: FakeOrganization = {
      id: newPrefixedId('org'),
      name,
      email,
      createdAt: now,
      settings: { ...DEFAULT_SETTINGS, ...settings },
      ownersTeamId: '',
      entitlements: {
        features: { operations: true, stateStorage: true, teams: true, sso: true },
        limits: { userLimit: null },
      },
    };
    this.organizations.set(org.id, org);
    const owners = this.addTeam(org, 'owners', {
      visibility: 'organization',
      organizationAccess: FULL_ACCESS,
    });
    org.ownersTeamId = owners.id;
    const membership = this.addMembership(org, owner.email, 'active', owner.id);
    owners.memberIds.add(membership.id);
    return org;
  }

  addTeam(
    org: FakeOrganization,
    name: string,
    attributes: Partial<Omit<FakeTeam, 'id' | 'organizationId' | 'name' | 'memberIds'>> = {},
  ): FakeTeam {
    const team: FakeTeam = {
      id: newPrefixedId('team'),
      organizationId: org.id,
      name,
      visibility: attributes.visibility ?? 'secret',
      ssoTeamId: attributes.ssoTeamId ?? null,
      allowMemberTokenManagement: attributes.allowMemberTokenManagement ?? true,
      organizationAccess: { ...NO_ACCESS, ...attributes.organizationAccess },
      createdAt: new Date().toISOString(),
      memberIds: new Set(),
    };
    this.teams.set(team.id, team);
    return team;
  }

  addMembership(
    org: FakeOrganization,
    email: string,
    status: MembershipStatus,
    userId: string | null,
    invitedBy: string | null = null,
  ): FakeMembership {
    const membership: FakeMembership = {
      id: newPrefixedId('ou'),
      organizationId: org.id,
      email,
      status,
      userId,
      createdAt: new Date().toISOString(),
      invitation:
        status === 'invited'
          ? {
              token: `${org.id}.${newLinkToken()}`,
              expiresAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
              invitedBy,
            }
          : null,
    };
    if (membership.invitation) this.users.secrets.add(membership.invitation.token);
    this.memberships.set(membership.id, membership);
    return membership;
  }

  /** A user made an active member of `org` (on `teamNames`, which must exist). */
  join(org: FakeOrganization, userId: string, teamNames: string[] = []): FakeMembership {
    const membership = this.addMembership(org, this.account(userId).email, 'active', userId);
    for (const name of teamNames) this.teamNamed(org, name)!.memberIds.add(membership.id);
    return membership;
  }

  orgNamed(name: string): FakeOrganization | undefined {
    return [...this.organizations.values()].find((o) => o.name === name);
  }

  teamNamed(org: FakeOrganization, name: string): FakeTeam | undefined {
    return [...this.teams.values()].find((t) => t.organizationId === org.id && t.name === name);
  }

  // ----------------------------------------------------------------------------------------------- queries

  account(userId: string) {
    const account = this.users.accounts.get(userId);
    if (!account) throw new Error(`no account ${userId}`);
    return account;
  }

  actorOf(meta: RequestMeta | undefined): { kind: 'user'; userId: string } | { kind: 'other' } {
    const actor = meta?.actor;
    return actor?.kind === 'user' ? { kind: 'user', userId: actor.id } : { kind: 'other' };
  }

  private membershipsOf(org: FakeOrganization): FakeMembership[] {
    return [...this.memberships.values()].filter((m) => m.organizationId === org.id);
  }

  teamsOf(org: FakeOrganization): FakeTeam[] {
    return [...this.teams.values()].filter((t) => t.organizationId === org.id);
  }

  caller(org: FakeOrganization, meta: RequestMeta | undefined): Caller {
    const actor = this.actorOf(meta);
    if (actor.kind !== 'user') return { kind: 'outsider' };
    const membership = this.membershipsOf(org).find(
      (m) => m.status === 'active' && m.userId === actor.userId,
    );
    if (!membership) return { kind: 'outsider' };
    const teams = this.teamsOf(org).filter((t) => t.memberIds.has(membership.id));
    const access = { ...NO_ACCESS };
    for (const t of teams)
      for (const f of ORGANIZATION_ACCESS_FLAGS) if (t.organizationAccess[f]) access[f] = true;
    const isOwner = teams.some((t) => t.id === org.ownersTeamId);
    return {
      kind: 'member',
      userId: actor.userId,
      membershipId: membership.id,
      isOwner,
      access: isOwner ? FULL_ACCESS : access,
      teamIds: new Set(teams.map((t) => t.id)),
    };
  }

  private canManageMembership = (c: Caller) =>
    c.kind === 'member' && (c.access.manageMembership || c.access.manageTeams);
  private canManageTeams = (c: Caller) => c.kind === 'member' && c.access.manageTeams;
  private canSeeTeam = (c: Caller, t: FakeTeam) =>
    c.kind === 'member' &&
    (t.visibility === 'organization' || c.access.accessSecretTeams || c.teamIds.has(t.id));

  /** The organization by name, visible to the caller (404 otherwise; 403 for a member its 2FA policy locks out). */
  visibleOrg(name: unknown, meta: RequestMeta | undefined) {
    const org = this.orgNamed(String(name));
    if (!org) return fail('ORGANIZATION.NOT_FOUND', 'organization not found');
    const caller = this.caller(org, meta);
    if (caller.kind === 'outsider') return fail('ORGANIZATION.NOT_FOUND', 'organization not found');
    this.checkTwoFactorPolicy(org, caller);
    this.checkUserTokenTtl(org, caller, meta);
    return { org, caller };
  }

  /** The team by id, visible to the caller (404 otherwise; 403 for a member its 2FA policy locks out). */
  visibleTeam(teamId: unknown, meta: RequestMeta | undefined) {
    const team = this.teams.get(String(teamId));
    const org = team && this.organizations.get(team.organizationId);
    if (!team || !org) return fail('TEAM.NOT_FOUND', 'team not found');
    const caller = this.caller(org, meta);
    this.checkTwoFactorPolicy(org, caller);
    this.checkUserTokenTtl(org, caller, meta);
    if (!this.canSeeTeam(caller, team)) return fail('TEAM.NOT_FOUND', 'team not found');
    return { team, org, caller };
  }

  /**
   * `two_factor_mandatory`: a member whose account has no 2FA gets the real service's 403
   * (`ORGANIZATION.TWO_FACTOR_REQUIRED`, libs/membership `TwoFactorRequired`).
   */
  checkTwoFactorPolicy(org: FakeOrganization, caller: Caller): void {
    if (org.settings.collaboratorAuthPolicy !== 'two_factor_mandatory' || caller.kind !== 'member') return;
    if (this.account(caller.userId).twoFactor.enabled) return;
    fail(
      'ORGANIZATION.TWO_FACTOR_REQUIRED',
      `The organization ${org.name} requires two-factor authentication, and your account has none: enable it ` +
        '(POST /api/v2/account/two-factor, then confirm a code with POST /api/v2/account/actions/two-factor-enable) ' +
        'to regain access. Until then you can still see your own memberships and leave the organization.',
      { organization: org.name },
    );
  }

  /**
   * The `user` token TTL policy (ADR 012): a member acting through a user token (`meta.actor.userToken`) that lives
   * longer than the maximum — or forever — gets the real service's 403 (`ORGANIZATION.TOKEN_TTL_EXCEEDED`).
   */
  checkUserTokenTtl(org: FakeOrganization, caller: Caller, meta: RequestMeta | undefined): void {
    const token = meta?.actor?.userToken;
    const max = org.tokenTtlPolicies?.find((p) => p.tokenType === 'user')?.maxTtlMs;
    if (caller.kind !== 'member' || !token || max === undefined) return;
    const lifetime =
      token.expiredAt === null ? Infinity : Date.parse(token.expiredAt) - Date.parse(token.createdAt);
    if (lifetime <= max) return;
    fail(
      'ORGANIZATION.TOKEN_TTL_EXCEEDED',
      `The organization ${org.name} accepts user tokens that live at most ${max / 86_400_000} days ` +
        '(from created-at to expired-at), and this token lives longer (or never expires): use a user token with a ' +
        'shorter expiry, or a session, to access it.',
      { organization: org.name, maxTtlMs: max },
    );
  }

  /** Owners only (TFC-API §5.4): another member is told 403, anyone else the organization's 404. */
  tokenTtlPoliciesOf(
    name: unknown,
    meta: RequestMeta | undefined,
  ): { org: FakeOrganization; list: TokenTtlPolicyList } {
    const { org, caller } = this.visibleOrg(name, meta);
    if (caller.kind === 'member' && !caller.isOwner)
      fail(
        'ORGANIZATION.OWNER_REQUIRED_FORBIDDEN',
        "Only owners can see or change the organization's token TTL policies",
      );
    return {
      org,
      list: {
        organizationId: org.id,
        organizationName: org.name,
        policies: [...(org.tokenTtlPolicies ?? [])],
      },
    };
  }

  // ------------------------------------------------------------------------------------------------- views

  organizationView(org: FakeOrganization, caller: Caller): OrganizationView {
    const owner = caller.kind === 'member' && caller.isOwner;
    const manage = this.canManageMembership(caller);
    const userId = caller.kind === 'member' ? caller.userId : undefined;
    return {
      id: org.id,
      name: org.name,
      email: org.email,
      createdAt: org.createdAt,
      settings: { ...org.settings, maxTtlEnabled: (org.tokenTtlPolicies?.length ?? 0) > 0 },
      ownersTeamId: org.ownersTeamId,
      twoFactorConformant:
        org.settings.collaboratorAuthPolicy === 'password' ||
        (userId !== undefined && this.account(userId).twoFactor.enabled),
      permissions: {
        canUpdate: owner,
        canDestroy: owner,
        canCreateTeam: this.canManageTeams(caller),
        canAccessViaTeams: caller.kind === 'member',
        canManageUsers: manage,
        canViewUsers: manage,
        canUpdateApiToken: owner,
        canManageSso: owner,
        canTraverse: caller.kind === 'member',
      },
    };
  }

  teamView(team: FakeTeam, caller: Caller): TeamView {
    const org = this.organizations.get(team.organizationId)!;
    const memberships = [...team.memberIds].map((id) => this.memberships.get(id)!).filter(Boolean);
    const manage = this.canManageTeams(caller);
    const isOwners = team.id === org.ownersTeamId;
    return {
      id: team.id,
      organizationId: org.id,
      organizationName: org.name,
      name: team.name,
      isOwners,
      visibility: team.visibility,
      ssoTeamId: team.ssoTeamId,
      allowMemberTokenManagement: team.allowMemberTokenManagement,
      organizationAccess: { ...team.organizationAccess },
      createdAt: team.createdAt,
      userIds: memberships.filter((m) => m.status === 'active' && m.userId).map((m) => m.userId!),
      membershipIds: memberships.map((m) => m.id),
      permissions: {
        canDestroy: manage && !isOwners,
        canUpdateMembership: this.canManageMembership(caller),
        canUpdateOrganizationAccess: manage && !isOwners,
        canUpdateApiToken: manage,
        canUpdateVisibility: manage,
        canUpdateName: manage && !isOwners,
        canUpdateSsoTeamId: manage,
        canUpdateMemberTokenManagement: manage,
        canViewApiToken: manage,
      },
    };
  }

  membershipView(m: FakeMembership, caller: Caller): MembershipView {
    const org = this.organizations.get(m.organizationId)!;
    const teamIds = this.teamsOf(org)
      .filter((t) => t.memberIds.has(m.id) && (this.canSeeTeam(caller, t) || caller.kind === 'outsider'))
      .map((t) => t.id);
    const ownersTeam = this.teams.get(org.ownersTeamId)!;
    return {
      id: m.id,
      organizationId: org.id,
      organizationName: org.name,
      status: m.status,
      email: m.email,
      userId: m.userId,
      createdAt: m.createdAt,
      teamIds,
      isOrgTwoFactorRequired: org.settings.collaboratorAuthPolicy === 'two_factor_mandatory',
      isOwner: ownersTeam.memberIds.has(m.id) && m.status === 'active',
    };
  }

  userView(userId: string, showEmail: boolean): MemberUserView {
    const a = this.account(userId);
    return {
      id: a.id,
      username: a.username,
      email: showEmail ? a.email : null,
      avatarUrl: a.avatarUrl,
      isServiceAccount: a.isServiceAccount,
      twoFactor: { ...a.twoFactor },
    };
  }

  /** Every related object of these memberships (the gateway picks what `include` asked for). */
  includedFor(memberships: FakeMembership[], caller: Caller, viewerId?: string): MembershipIncluded {
    const userIds = [...new Set(memberships.flatMap((m) => (m.userId ? [m.userId] : [])))];
    const teamIds = new Set(memberships.flatMap((m) => this.membershipView(m, caller).teamIds));
    const orgIds = [...new Set(memberships.map((m) => m.organizationId))];
    const manage = this.canManageMembership(caller);
    return {
      users: userIds.map((id) => this.userView(id, manage || id === viewerId)),
      teams: [...teamIds].map((id) => this.teamView(this.teams.get(id)!, caller)),
      organizations: orgIds.map((id) => {
        const org = this.organizations.get(id)!;
        return this.organizationView(org, caller.kind === 'outsider' ? this.caller(org, undefined) : caller);
      }),
      memberships: [],
    };
  }

  page<T>(items: T[], page: { number: number; size: number } | undefined): T[] {
    if (!page) return items;
    return items.slice((page.number - 1) * page.size, page.number * page.size);
  }
}

export const FAKE_MEMBERSHIP = Symbol('FAKE_MEMBERSHIP');

type P = Record<string, unknown> & { meta?: RequestMeta };

const ACCESS_KEYS = new Set<string>(ORGANIZATION_ACCESS_FLAGS);

/** The fake membership service's message handlers. */
@Controller()
export class FakeMembershipHandlers {
  constructor(@Inject(FAKE_MEMBERSHIP) private readonly s: FakeMembershipState) {}

  private begin(pattern: string, p: P): void {
    this.s.users.calls.push({ pattern, payload: p });
    const failure = this.s.failures.get(pattern);
    if (failure) {
      this.s.failures.delete(pattern);
      fail(failure.code, failure.message, failure.details);
    }
  }

  private user(p: P) {
    const actor = this.s.actorOf(p.meta);
    if (actor.kind !== 'user')
      return fail('MEMBERSHIP.ACTOR_FORBIDDEN', 'not allowed for this kind of token');
    return this.s.account(actor.userId);
  }

  @MessagePattern(MEMBERSHIP.createOrganization)
  createOrganization(@Payload() p: P) {
    this.begin(MEMBERSHIP.createOrganization, p);
    const user = this.user(p);
    const name = String(p.name);
    if (!NAME.test(name))
      fail('ORGANIZATION.INVALID_ATTRIBUTE', 'Name may only contain letters, numbers, - and _', {
        attribute: 'name',
      });
    if (!EMAIL.test(String(p.email)))
      fail('ORGANIZATION.INVALID_ATTRIBUTE', 'Email is invalid', { attribute: 'email' });
    if ([...this.s.organizations.values()].some((o) => o.name.toLowerCase() === name.toLowerCase()))
      fail('UNIQUENESS.ORGANIZATION_TAKEN', `organization name ${name} is taken`, { attribute: 'name' });
    const org = this.s.createOrganization(name, String(p.email), user.id, (p.settings ?? {}) as object);
    return { organization: this.s.organizationView(org, this.s.caller(org, p.meta)) };
  }

  @MessagePattern(MEMBERSHIP.listOrganizations)
  listOrganizations(@Payload() p: P) {
    this.begin(MEMBERSHIP.listOrganizations, p);
    const contains = (value: string, q: unknown) =>
      typeof q !== 'string' || value.toLowerCase().includes(q.toLowerCase());
    const all = [...this.s.organizations.values()]
      .map((org) => ({ org, caller: this.s.caller(org, p.meta) }))
      .filter(({ caller }) => caller.kind === 'member')
      .filter(({ org }) =>
        typeof p.q === 'string'
          ? contains(org.name, p.q) || contains(org.email, p.q)
          : contains(org.name, p.qName) && contains(org.email, p.qEmail),
      )
      .sort((a, b) => a.org.name.localeCompare(b.org.name));
    const page = p.page as { number: number; size: number } | undefined;
    return {
      organizations: this.s.page(all, page).map(({ org, caller }) => this.s.organizationView(org, caller)),
      total: all.length,
      ...(page ? { page } : {}),
    };
  }

  @MessagePattern(MEMBERSHIP.getOrganization)
  getOrganization(@Payload() p: P) {
    this.begin(MEMBERSHIP.getOrganization, p);
    const { org, caller } = this.s.visibleOrg(p.organization, p.meta);
    return { organization: this.s.organizationView(org, caller) };
  }

  @MessagePattern(MEMBERSHIP.updateOrganization)
  updateOrganization(@Payload() p: P) {
    this.begin(MEMBERSHIP.updateOrganization, p);
    const { org, caller } = this.s.visibleOrg(p.organization, p.meta);
    if (caller.kind !== 'member' || !caller.isOwner)
      fail('ORGANIZATION.UPDATE_FORBIDDEN', 'Only owners can change the organization');
    const settings = (p.settings ?? {}) as Partial<OrganizationSettings>;
    if (settings.collaboratorAuthPolicy === 'two_factor_mandatory') {
      const owners = this.s.teams.get(org.ownersTeamId)!;
      const lacking = [...owners.memberIds]
        .map((id) => this.s.memberships.get(id)!)
        .filter((m) => m.userId && !this.s.account(m.userId).twoFactor.enabled);
      if (lacking.length > 0)
        fail(
          'ORGANIZATION.INVALID_COLLABORATOR_AUTH_POLICY',
          'Every owner must enable two-factor authentication before the organization can require it',
          { attribute: 'collaboratorAuthPolicy' },
        );
    }
    if (typeof p.name === 'string' && p.name !== org.name) {
      if (this.s.orgNamed(p.name)) fail('UNIQUENESS.ORGANIZATION_TAKEN', 'taken', { attribute: 'name' });
      org.name = p.name;
    }
    if (typeof p.email === 'string') org.email = p.email;
    org.settings = { ...org.settings, ...settings };
    return { organization: this.s.organizationView(org, caller) };
  }

  @MessagePattern(MEMBERSHIP.deleteOrganization)
  deleteOrganization(@Payload() p: P) {
    this.begin(MEMBERSHIP.deleteOrganization, p);
    const { org, caller } = this.s.visibleOrg(p.organization, p.meta);
    if (caller.kind !== 'member' || !caller.isOwner) fail('ORGANIZATION.NOT_FOUND', 'organization not found');
    this.s.organizations.delete(org.id);
    return { ok: true };
  }

  @MessagePattern(MEMBERSHIP.getTokenTtlPolicies)
  getTokenTtlPolicies(@Payload() p: P): TokenTtlPolicyList {
    this.begin(MEMBERSHIP.getTokenTtlPolicies, p);
    return this.s.tokenTtlPoliciesOf(p.organization, p.meta).list;
  }

  @MessagePattern(MEMBERSHIP.setTokenTtlPolicies)
  setTokenTtlPolicies(@Payload() p: P): TokenTtlPolicyList {
    this.begin(MEMBERSHIP.setTokenTtlPolicies, p);
    // The real service parses every request against its contract schema.
    const parsed = setTokenTtlPoliciesRequest.safeParse(p);
    if (!parsed.success)
      return fail('MEMBERSHIP.INVALID_REQUEST', parsed.error.issues[0]?.message ?? 'invalid request');
    const changes = parsed.data.policies;
    const { org } = this.s.tokenTtlPoliciesOf(p.organization, p.meta);
    const now = new Date().toISOString();
    const current = org.tokenTtlPolicies ?? [];
    org.tokenTtlPolicies = TOKEN_TTL_TYPES.flatMap((tokenType): TokenTtlPolicy[] => {
      const before = current.find((x) => x.tokenType === tokenType);
      const change = changes.find((x) => x.tokenType === tokenType);
      if (!change) return before ? [before] : [];
      return [{ tokenType, maxTtlMs: change.maxTtlMs, createdAt: before?.createdAt ?? now, updatedAt: now }];
    });
    return this.s.tokenTtlPoliciesOf(p.organization, p.meta).list;
  }

  @MessagePattern(MEMBERSHIP.getEntitlements)
  getEntitlements(@Payload() p: P): EntitlementsView {
    this.begin(MEMBERSHIP.getEntitlements, p);
    const { org } = this.s.visibleOrg(p.organization, p.meta);
    return { id: org.id, organizationName: org.name, ...org.entitlements };
  }

  @MessagePattern(MEMBERSHIP.invite)
  invite(@Payload() p: P) {
    this.begin(MEMBERSHIP.invite, p);
    const { org, caller } = this.s.visibleOrg(p.organization, p.meta);
    if (!(caller.kind === 'member' && (caller.access.manageMembership || caller.access.manageTeams)))
      fail('ORGANIZATION.NOT_FOUND', 'organization not found');
    const email = String(p.email);
    if (!EMAIL.test(email)) fail('MEMBERSHIP.INVALID_INVITATION', 'Email is invalid', { attribute: 'email' });
    const existing = [...this.s.memberships.values()].find(
      (m) => m.organizationId === org.id && m.email.toLowerCase() === email.toLowerCase(),
    );
    if (existing?.status === 'active')
      fail('MEMBERSHIP.INVALID_INVITATION', 'Email is already a member of the organization', {
        attribute: 'email',
      });
    const teamIds = (p.teamIds ?? []) as string[];
    const teams = teamIds.map((id) => {
      const team = this.s.teams.get(id);
      if (!team || team.organizationId !== org.id) return fail('TEAM.NOT_FOUND', 'team not found');
      return team;
    });
    const actor = caller.kind === 'member' ? this.s.account(caller.userId).username : null;
    const membership = existing ?? this.s.addMembership(org, email, 'invited', null, actor);
    for (const team of teams) team.memberIds.add(membership.id);
    return {
      membership: this.s.membershipView(membership, caller),
      included: this.s.includedFor([membership], caller),
    };
  }

  private membershipList(
    all: FakeMembership[],
    caller: Caller,
    page: { number: number; size: number } | undefined,
    counts: FakeMembership[],
    viewerId?: string,
  ): MembershipList {
    const items = this.s.page(all, page);
    return {
      memberships: items.map((m) => this.s.membershipView(m, caller)),
      total: all.length,
      ...(page ? { page } : {}),
      statusCounts: {
        total: counts.length,
        active: counts.filter((m) => m.status === 'active').length,
        invited: counts.filter((m) => m.status === 'invited').length,
      },
      included: this.s.includedFor(items, caller, viewerId),
    };
  }

  @MessagePattern(MEMBERSHIP.listMemberships)
  listMemberships(@Payload() p: P) {
    this.begin(MEMBERSHIP.listMemberships, p);
    const { org, caller } = this.s.visibleOrg(p.organization, p.meta);
    const everyone = [...this.s.memberships.values()]
      .filter((m) => m.organizationId === org.id)
      .sort((a, b) => a.email.localeCompare(b.email));
    const q = typeof p.q === 'string' ? p.q.toLowerCase() : undefined;
    const emails = Array.isArray(p.emails) ? (p.emails as string[]).map((e) => e.toLowerCase()) : undefined;
    const matching = everyone.filter(
      (m) =>
        (!q ||
          m.email.toLowerCase().includes(q) ||
          (m.userId !== null && this.s.account(m.userId).username.toLowerCase().includes(q))) &&
        (!p.status || m.status === p.status) &&
        (!emails || emails.includes(m.email.toLowerCase())),
    );
    return this.membershipList(
      matching,
      caller,
      p.page as { number: number; size: number } | undefined,
      everyone,
    );
  }

  @MessagePattern(MEMBERSHIP.listMyMemberships)
  listMyMemberships(@Payload() p: P) {
    this.begin(MEMBERSHIP.listMyMemberships, p);
    const user = this.user(p);
    const mine = [...this.s.memberships.values()].filter(
      (m) =>
        this.s.organizations.has(m.organizationId) &&
        (m.userId === user.id ||
          (m.status === 'invited' && m.email.toLowerCase() === user.email.toLowerCase())),
    );
    const items = this.s.page(mine, p.page as { number: number; size: number } | undefined);
    const views = items.map((m) => {
      const caller = this.s.caller(this.s.organizations.get(m.organizationId)!, p.meta);
      return { m, caller };
    });
    const included: MembershipIncluded = { users: [], teams: [], organizations: [], memberships: [] };
    for (const { m, caller } of views) {
      const one = this.s.includedFor([m], caller, user.id);
      included.users.push(...one.users);
      included.teams.push(...one.teams);
      included.organizations.push(...one.organizations);
    }
    return {
      memberships: views.map(({ m, caller }) => ({
        ...this.s.membershipView(m, caller),
        isOwner: caller.kind === 'member' && caller.isOwner,
      })),
      total: mine.length,
      statusCounts: {
        total: mine.length,
        active: mine.filter((m) => m.status === 'active').length,
        invited: mine.filter((m) => m.status === 'invited').length,
      },
      included,
    };
  }

  private visibleMembership(p: P) {
    const m = this.s.memberships.get(String(p.membershipId));
    const org = m && this.s.organizations.get(m.organizationId);
    if (!m || !org) return fail('MEMBERSHIP.NOT_FOUND', 'organization membership not found');
    const caller = this.s.caller(org, p.meta);
    const actor = this.s.actorOf(p.meta);
    const own = actor.kind === 'user' && m.userId === actor.userId;
    if (caller.kind === 'outsider' && !own)
      return fail('MEMBERSHIP.NOT_FOUND', 'organization membership not found');
    return { m, org, caller, own };
  }

  @MessagePattern(MEMBERSHIP.getMembership)
  getMembership(@Payload() p: P) {
    this.begin(MEMBERSHIP.getMembership, p);
    const { m, caller } = this.visibleMembership(p);
    const actor = this.s.actorOf(p.meta);
    return {
      membership: this.s.membershipView(m, caller),
      included: this.s.includedFor([m], caller, actor.kind === 'user' ? actor.userId : undefined),
    };
  }

  @MessagePattern(MEMBERSHIP.removeMembership)
  removeMembership(@Payload() p: P) {
    this.begin(MEMBERSHIP.removeMembership, p);
    const { m, org, caller, own } = this.visibleMembership(p);
    if (!own && !(caller.kind === 'member' && (caller.access.manageMembership || caller.access.manageTeams)))
      fail('MEMBERSHIP.NOT_FOUND', 'organization membership not found');
    const owners = this.s.teams.get(org.ownersTeamId)!;
    const activeOwners = [...owners.memberIds].filter(
      (id) => this.s.memberships.get(id)?.status === 'active',
    );
    if (owners.memberIds.has(m.id) && m.status === 'active' && activeOwners.length === 1)
      fail(
        'MEMBERSHIP.LAST_OWNER_FORBIDDEN',
        'You are the last owner of this organization: add another owner or delete the organization first',
      );
    for (const team of this.s.teamsOf(org)) team.memberIds.delete(m.id);
    this.s.memberships.delete(m.id);
    return { ok: true };
  }

  @MessagePattern(MEMBERSHIP.createTeam)
  createTeam(@Payload() p: P) {
    this.begin(MEMBERSHIP.createTeam, p);
    const { org, caller } = this.s.visibleOrg(p.organization, p.meta);
    if (!(caller.kind === 'member' && caller.access.manageTeams))
      fail('ORGANIZATION.NOT_FOUND', 'organization not found');
    const name = String(p.name);
    if (!NAME.test(name))
      fail('TEAM.INVALID_ATTRIBUTE', 'Name may only contain letters, numbers, - and _', {
        attribute: 'name',
      });
    if (this.s.teamsOf(org).some((t) => t.name.toLowerCase() === name.toLowerCase()))
      fail('TEAM.NAME_TAKEN', 'Name has already been taken', { attribute: 'name' });
    const access = (p.organizationAccess ?? {}) as Partial<OrganizationAccess>;
    if (access.manageProjects && !access.manageWorkspaces)
      fail('TEAM.INVALID_ATTRIBUTE', 'manage-projects requires manage-workspaces', {
        pointer: '/data/attributes/organization-access/manage-projects',
      });
    const team = this.s.addTeam(org, name, {
      ...(p.visibility ? { visibility: p.visibility as TeamVisibility } : {}),
      ...(p.ssoTeamId !== undefined ? { ssoTeamId: p.ssoTeamId as string | null } : {}),
      ...(typeof p.allowMemberTokenManagement === 'boolean'
        ? { allowMemberTokenManagement: p.allowMemberTokenManagement }
        : {}),
      organizationAccess: { ...NO_ACCESS, ...access },
    });
    return { team: this.s.teamView(team, caller), included: this.empty() };
  }

  private empty(): MembershipIncluded {
    return { users: [], teams: [], organizations: [], memberships: [] };
  }

  private teamIncluded(team: FakeTeam, caller: Caller): MembershipIncluded {
    const memberships = [...team.memberIds].map((id) => this.s.memberships.get(id)!);
    const manage = caller.kind === 'member' && (caller.access.manageMembership || caller.access.manageTeams);
    return {
      ...this.empty(),
      users: memberships.flatMap((m) =>
        m.status === 'active' && m.userId ? [this.s.userView(m.userId, manage)] : [],
      ),
      memberships: memberships.map((m) => this.s.membershipView(m, caller)),
    };
  }

  @MessagePattern(MEMBERSHIP.listTeams)
  listTeams(@Payload() p: P) {
    this.begin(MEMBERSHIP.listTeams, p);
    const { org, caller } = this.s.visibleOrg(p.organization, p.meta);
    const q = typeof p.q === 'string' ? p.q.toLowerCase() : undefined;
    const names = Array.isArray(p.names) ? (p.names as string[]) : undefined;
    const all = this.s
      .teamsOf(org)
      .filter(
        (t) =>
          caller.kind === 'member' &&
          (t.visibility === 'organization' || caller.access.accessSecretTeams || caller.teamIds.has(t.id)),
      )
      .filter((t) => (!q || t.name.toLowerCase().includes(q)) && (!names || names.includes(t.name)))
      .sort((a, b) => a.name.localeCompare(b.name));
    const items = this.s.page(all, p.page as { number: number; size: number } | undefined);
    const included = this.empty();
    for (const t of items) {
      const one = this.teamIncluded(t, caller);
      included.users.push(...one.users);
      included.memberships.push(...one.memberships);
    }
    return { teams: items.map((t) => this.s.teamView(t, caller)), total: all.length, included };
  }

  @MessagePattern(MEMBERSHIP.getTeam)
  getTeam(@Payload() p: P) {
    this.begin(MEMBERSHIP.getTeam, p);
    const { team, caller } = this.s.visibleTeam(p.teamId, p.meta);
    return { team: this.s.teamView(team, caller), included: this.teamIncluded(team, caller) };
  }

  @MessagePattern(MEMBERSHIP.updateTeam)
  updateTeam(@Payload() p: P) {
    this.begin(MEMBERSHIP.updateTeam, p);
    const { team, org, caller } = this.s.visibleTeam(p.teamId, p.meta);
    if (!(caller.kind === 'member' && caller.access.manageTeams))
      fail('TEAM.UPDATE_FORBIDDEN', 'You may not change this team');
    const isOwners = team.id === org.ownersTeamId;
    if (isOwners && ((typeof p.name === 'string' && p.name !== team.name) || p.organizationAccess))
      fail('TEAM.INVALID_OWNERS_TEAM_CHANGE', 'The owners team cannot be renamed or have its access changed');
    if (typeof p.name === 'string' && p.name !== team.name) {
      if (
        this.s
          .teamsOf(org)
          .some((t) => t.id !== team.id && t.name.toLowerCase() === String(p.name).toLowerCase())
      )
        fail('TEAM.NAME_TAKEN', 'Name has already been taken', { attribute: 'name' });
      team.name = p.name;
    }
    if (p.visibility) team.visibility = p.visibility as TeamVisibility;
    if (p.ssoTeamId !== undefined) team.ssoTeamId = p.ssoTeamId as string | null;
    if (typeof p.allowMemberTokenManagement === 'boolean')
      team.allowMemberTokenManagement = p.allowMemberTokenManagement;
    if (p.organizationAccess)
      for (const [key, value] of Object.entries(p.organizationAccess as Record<string, unknown>))
        if (ACCESS_KEYS.has(key) && typeof value === 'boolean')
          team.organizationAccess[key as keyof OrganizationAccess] = value;
    return { team: this.s.teamView(team, caller), included: this.empty() };
  }

  @MessagePattern(MEMBERSHIP.deleteTeam)
  deleteTeam(@Payload() p: P) {
    this.begin(MEMBERSHIP.deleteTeam, p);
    const { team, org, caller } = this.s.visibleTeam(p.teamId, p.meta);
    if (!(caller.kind === 'member' && caller.access.manageTeams)) fail('TEAM.NOT_FOUND', 'team not found');
    if (team.id === org.ownersTeamId)
      fail('TEAM.INVALID_OWNERS_TEAM_CHANGE', 'The owners team cannot be deleted');
    this.s.teams.delete(team.id);
    return { ok: true };
  }

  /** The memberships a team-member request names (usernames or user ids, or membership ids). */
  private named(p: P, org: FakeOrganization): FakeMembership[] {
    const inOrg = [...this.s.memberships.values()].filter((m) => m.organizationId === org.id);
    if (Array.isArray(p.usernames))
      return (p.usernames as string[]).map((name) => {
        const m = inOrg.find(
          (x) =>
            x.status === 'active' &&
            x.userId !== null &&
            (x.userId === name || this.s.account(x.userId).username === name),
        );
        return m ?? fail('TEAM.INVALID_MEMBERS', `${name} is not a member of the organization`);
      });
    return ((p.membershipIds ?? []) as string[]).map(
      (id) =>
        inOrg.find((x) => x.id === id) ??
        fail('TEAM.INVALID_MEMBERS', `${id} is not a membership of the organization`),
    );
  }

  private manageMembers(p: P) {
    const { team, org, caller } = this.s.visibleTeam(p.teamId, p.meta);
    if (!(caller.kind === 'member' && (caller.access.manageMembership || caller.access.manageTeams)))
      fail('TEAM.NOT_FOUND', 'team not found');
    return { team, org, members: this.named(p, org) };
  }

  @MessagePattern(MEMBERSHIP.addTeamMembers)
  addTeamMembers(@Payload() p: P) {
    this.begin(MEMBERSHIP.addTeamMembers, p);
    const { team, members } = this.manageMembers(p);
    for (const m of members)
      if (team.memberIds.has(m.id)) fail('TEAM.INVALID_MEMBERS', `${m.email} is already on the team`);
    for (const m of members) team.memberIds.add(m.id);
    return { ok: true };
  }

  @MessagePattern(MEMBERSHIP.removeTeamMembers)
  removeTeamMembers(@Payload() p: P) {
    this.begin(MEMBERSHIP.removeTeamMembers, p);
    const { team, org, members } = this.manageMembers(p);
    for (const m of members)
      if (!team.memberIds.has(m.id)) fail('TEAM.INVALID_MEMBERS', `${m.email} is not on the team`);
    if (team.id === org.ownersTeamId) {
      const left = [...team.memberIds].filter(
        (id) => !members.some((m) => m.id === id) && this.s.memberships.get(id)?.status === 'active',
      );
      if (left.length === 0)
        fail(
          'MEMBERSHIP.LAST_OWNER_FORBIDDEN',
          'You are the last owner of this organization: add another owner or delete the organization first',
        );
    }
    for (const m of members) team.memberIds.delete(m.id);
    return { ok: true };
  }

  @MessagePattern(MEMBERSHIP.listTeamMemberships)
  listTeamMemberships(@Payload() p: P) {
    this.begin(MEMBERSHIP.listTeamMemberships, p);
    const { team, caller } = this.s.visibleTeam(p.teamId, p.meta);
    const all = [...team.memberIds]
      .map((id) => this.s.memberships.get(id)!)
      .filter((m) => !p.status || m.status === p.status);
    return this.membershipList(all, caller, p.page as { number: number; size: number } | undefined, all);
  }

  private invitation(token: unknown) {
    const m = [...this.s.memberships.values()].find(
      (x) =>
        x.status === 'invited' &&
        x.invitation !== null &&
        x.invitation.token === token &&
        Date.parse(x.invitation.expiresAt) > Date.now() &&
        this.s.organizations.has(x.organizationId),
    );
    return m ?? fail('INVITATION.NOT_FOUND', 'invitation not found');
  }

  @MessagePattern(MEMBERSHIP.getInvitation)
  getInvitation(@Payload() p: P): InvitationView {
    this.begin(MEMBERSHIP.getInvitation, p);
    const m = this.invitation(p.token);
    const org = this.s.organizations.get(m.organizationId)!;
    return {
      organizationName: org.name,
      email: m.email,
      invitedBy: m.invitation!.invitedBy,
      expiresAt: m.invitation!.expiresAt,
      accountExists: [...this.s.users.accounts.values()].some(
        (a) => a.email.toLowerCase() === m.email.toLowerCase(),
      ),
      isOrgTwoFactorRequired: org.settings.collaboratorAuthPolicy === 'two_factor_mandatory',
    };
  }

  /** `membership.user-ownerships`: the organizations `userId` owns (system actor only, NOT_FOUND otherwise). */
  @MessagePattern(MEMBERSHIP.userOwnerships)
  userOwnerships(@Payload() p: P): UserOwnershipsView {
    this.begin(MEMBERSHIP.userOwnerships, p);
    if (p.meta?.actor?.kind !== 'system') fail('ORGANIZATION.NOT_FOUND', 'organization not found');
    const organizations = [...this.s.organizations.values()]
      .map((org) => {
        const owners = [...this.s.teams.get(org.ownersTeamId)!.memberIds]
          .map((id) => this.s.memberships.get(id))
          .filter((m) => m?.status === 'active' && m.userId !== null);
        return { org, owners };
      })
      .filter(({ owners }) => owners.some((m) => m!.userId === p.userId))
      .sort((a, b) => a.org.name.toLowerCase().localeCompare(b.org.name.toLowerCase()))
      .map(({ org, owners }) => ({
        id: org.id,
        name: org.name,
        soleOwner: owners.length === 1,
        twoFactorRequired: org.settings.collaboratorAuthPolicy === 'two_factor_mandatory',
      }));
    return { organizations };
  }

  @MessagePattern(MEMBERSHIP.acceptInvitation)
  acceptInvitation(@Payload() p: P) {
    this.begin(MEMBERSHIP.acceptInvitation, p);
    const user = this.user(p);
    const m = this.invitation(p.token);
    const org = this.s.organizations.get(m.organizationId)!;
    if (!user.emailConfirmed || user.email.toLowerCase() !== m.email.toLowerCase())
      fail(
        'INVITATION.EMAIL_MISMATCH_FORBIDDEN',
        "This invitation was sent to a different e-mail address than your account's confirmed one",
      );
    if (this.s.caller(org, p.meta).kind === 'member')
      fail('MEMBERSHIP.ALREADY_MEMBER', 'You are already a member of this organization');
    m.status = 'active';
    m.userId = user.id;
    m.invitation = null;
    const caller = this.s.caller(org, p.meta);
    return {
      membership: this.s.membershipView(m, caller),
      included: this.s.includedFor([m], caller, user.id),
    };
  }
}
