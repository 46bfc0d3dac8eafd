import type { OrganizationAccess, TeamVisibility } from '@idp/contracts';
import type { Decider } from '@idp/eventing';
import { Map as IMap, Set as ISet } from 'immutable';
import {
  ActorNotAllowed,
  AlreadyMember,
  InvalidInvitation,
  InvalidOrganizationAttribute,
  InvalidTeamAttribute,
  InvalidTeamMembers,
  InvitationEmailMismatch,
  InvitationNotFound,
  LastOwner,
  MembershipNotFound,
  OrganizationAlreadyExists,
  OrganizationNotFound,
  OwnerRequired,
  OwnersNeedTwoFactor,
  OwnersTeamProtected,
  TeamAttributeForbidden,
  TeamNameTaken,
  TeamNotFound,
  TokenTtlPoliciesOwnersOnly,
} from './errors';
import { lockOutOf } from './lock-out';
import type {
  Actor,
  LiveOrganization,
  MembershipState,
  OrganizationCommand,
  OrganizationEvent,
  OrganizationState,
  TeamAttributes,
  TeamState,
} from './organization.types';
import {
  accessDependencyViolation,
  type CallerFacts,
  canAdministerOrganization,
  canChangeOwners,
  canManageMembership,
  canManageOrganizationAccess,
  canManageTeams,
  canSeeSecretTeams,
  canSeeTeam,
  canView,
  FULL_ACCESS,
  NO_ACCESS,
  unionAccess,
} from './permissions';
import { mergeTokenTtlPolicies, samePolicies } from './token-ttl-policy';

/**
 * The organization aggregate's decider (types and the aggregate's scope in `organization.types.ts`).
 *
 * Event choices:
 * - `OrganizationCreated` alone creates the organization, its owners team (`owners`, visibility `organization`,
 *   every access flag, member token management allowed) and the creator's active membership on it: one event,
 *   so no consumer can ever see an organization without its owners team.
 * - `OrganizationDeleted` alone ends everything in it (memberships, teams, invitations): consumers read it as
 *   "every membership of this organization ends", no `MembershipRemoved` per member.
 * - `MemberInvited.teamIds` puts the membership on those teams (a refresh carries the union of its old and new
 *   teams); no separate `TeamMembersAdded`.
 * - `MembershipRemoved` takes the membership off every team it was on; `TeamDeleted` takes the team with its
 *   member list.
 *
 * Authorization follows TFC's 404 policy: what the caller may not see, or may see but not act on, is the
 * NOT_FOUND of the thing asked for (organization, team, membership). Explicit 403s are kept for rules a caller
 * is told about: the last owner, owners-team membership by non-owners, team attributes needing more access, token TTL
 * policies to members who are not owners (TFC-API §5.4), and the lock-outs (`lock-out.ts`).
 * `AcceptInvitation` is the exception to "unknown organization → OrganizationNotFound": its caller holds a token,
 * not a membership, so an unknown or deleted organization is the one `InvitationNotFound` (TFC-API §15).
 *
 * Concurrency is the runtime's: every command on an organization is decided on its one stream and appended with
 * the revision it was decided on, so two owners leaving at once cannot both succeed — the second append conflicts,
 * is decided again on the state after the first, and meets `LastOwner`.
 */

export const OWNERS_TEAM_NAME = 'owners';

/** Organization and team names: letters, digits, `-`, `_` (TFC-API §6.1, §8.1). The length bound is ours. */
export const NAME_PATTERN = /^[A-Za-z0-9_-]+$/;
export const MAX_NAME_LENGTH = 64;
export const MAX_EMAIL_LENGTH = 320;

// Deliberately plain (as identity's): one @, a dot-separated domain with a TLD, no spaces or control characters.
// Deliverability is proven by the invitation mail, not by a regular expression.
const EMAIL_PATTERN = /^[^\s@\p{Cc}]+@(?:[^\s@.\p{Cc}]+\.)+[^\s@.\p{Cc}]{2,}$/u;

const checkName = (value: unknown, fail: (message: string) => Error): string => {
  const name = typeof value === 'string' ? value.trim() : '';
  if (name.length === 0) throw fail("Name can't be blank");
  if (name.length > MAX_NAME_LENGTH)
    throw fail(`Name is too long (maximum is ${MAX_NAME_LENGTH} characters)`);
  if (!NAME_PATTERN.test(name)) throw fail('Name may only contain letters, numbers, dashes and underscores');
  return name;
};

const checkEmail = (value: unknown, fail: (message: string) => Error): string => {
  if (typeof value !== 'string' || value.trim().length === 0) throw fail("Email can't be blank");
  const email = value.trim().normalize('NFC');
  if (email.length > MAX_EMAIL_LENGTH)
    throw fail(`Email is too long (maximum is ${MAX_EMAIL_LENGTH} characters)`);
  if (!EMAIL_PATTERN.test(email)) throw fail('Email is invalid');
  const at = email.lastIndexOf('@');
  return `${email.slice(0, at)}@${email.slice(at + 1).toLowerCase()}`;
};

/** Checks an organization name; returns it trimmed, case kept (uniqueness, by reservation, ignores case). */
export const normalizeOrganizationName = (value: unknown): string =>
  checkName(value, (m) => new InvalidOrganizationAttribute('name', m));

/** Checks a team name; returns it trimmed, case kept (unique case-insensitively within the organization). */
export const normalizeTeamName = (value: unknown): string =>
  checkName(value, (m) => new InvalidTeamAttribute('name', m));

/** Checks the organization's notification e-mail; returns it trimmed, NFC, domain lower-cased. */
export const parseOrganizationEmail = (value: unknown): string =>
  checkEmail(value, (m) => new InvalidOrganizationAttribute('email', m));

/** Checks an invited e-mail (as `parseOrganizationEmail`, failing with `InvalidInvitation`). */
export const parseInvitationEmail = (value: unknown): string =>
  checkEmail(value, (m) => new InvalidInvitation(m));

/** The form e-mails are compared in (invited vs accepting account, one invitation per address). */
export const emailKey = (email: string): string => email.trim().normalize('NFC').toLowerCase();

// ------------------------------------------------------------------------------------------- reading state

export const isLive = (state: OrganizationState): state is LiveOrganization & { status: 'active' } =>
  state.status === 'active';

/** Who the actor is in this organization (see `permissions.ts`). */
export const callerFacts = (state: LiveOrganization, actor: Actor): CallerFacts => {
  switch (actor.kind) {
    case 'system':
      return { kind: 'system' };
    case 'organization':
      return actor.organizationId === state.organizationId
        ? { kind: 'organization-token' }
        : { kind: 'outsider' };
    case 'team': {
      const team = state.teams.get(actor.teamId);
      if (!team) return { kind: 'outsider' };
      return {
        kind: 'team-token',
        teamId: team.teamId,
        isOwner: team.teamId === state.ownersTeamId,
        access: team.organizationAccess,
      };
    }
    case 'user': {
      const membershipId = state.byUser.get(actor.userId);
      if (membershipId === undefined) return { kind: 'outsider' };
      const teams = teamsOf(state, membershipId);
      return {
        kind: 'member',
        userId: actor.userId,
        membershipId,
        isOwner: teams.some((t) => t.teamId === state.ownersTeamId),
        access: unionAccess(teams.map((t) => t.organizationAccess)),
        teamIds: new Set(teams.map((t) => t.teamId)),
      };
    }
  }
};

/** The teams a membership is on (invited memberships included). */
export const teamsOf = (state: LiveOrganization, membershipId: string): TeamState[] =>
  [...state.teams.values()].filter((t) => t.memberIds.has(membershipId));

export const ownersTeam = (state: LiveOrganization): TeamState => state.teams.get(state.ownersTeamId)!;

/** Active memberships on the owners team. */
export const activeOwnerMemberships = (state: LiveOrganization): MembershipState[] =>
  [...ownersTeam(state).memberIds]
    .map((id) => state.memberships.get(id))
    .filter((m): m is MembershipState => m?.status === 'active');

/** User ids of the owners (active members of the owners team): whose 2FA `UpdateOrganization` needs. */
export const activeOwnerIds = (state: LiveOrganization): string[] =>
  activeOwnerMemberships(state).map((m) => m.userId!);

/** An active membership on the owners team. */
export const isOwnerMembership = (state: LiveOrganization, membershipId: string): boolean =>
  state.memberships.get(membershipId)?.status === 'active' && ownersTeam(state).memberIds.has(membershipId);

/** The user's active membership here, if any. */
export const membershipOfUser = (state: LiveOrganization, userId: string): MembershipState | undefined => {
  const id = state.byUser.get(userId);
  return id === undefined ? undefined : state.memberships.get(id);
};

/** The invited membership whose current invitation token has this hash (expired or not), if any. */
export const invitationByTokenHash = (
  state: LiveOrganization,
  tokenHash: string,
): MembershipState | undefined => {
  // A scan: acceptances are rare next to folds, and an index would cost every fold.
  for (const m of state.memberships.values()) if (m.invitation?.tokenHash === tokenHash) return m;
  return undefined;
};

/** A pending invitation not yet expired at `now`. */
export const invitationLive = (m: MembershipState, now: string): boolean =>
  m.status === 'invited' && m.invitation !== null && Date.parse(m.invitation.expiresAt) > Date.parse(now);

/** The pending, unexpired invitation with this token hash in a live organization, if any. */
export const findInvitation = (
  state: LiveOrganization,
  tokenHash: string,
  now: string,
): MembershipState | undefined => {
  if (state.status !== 'active') return undefined;
  const m = invitationByTokenHash(state, tokenHash);
  return m && invitationLive(m, now) ? m : undefined;
};

// ------------------------------------------------------------------------------------------------ evolve

export const initialState = (): OrganizationState => ({ status: 'none' });

const withTeamMembers = (
  teams: IMap<string, TeamState>,
  teamIds: readonly string[],
  change: (memberIds: ISet<string>) => ISet<string>,
): IMap<string, TeamState> =>
  teamIds.reduce((acc, teamId) => {
    const team = acc.get(teamId);
    return team ? acc.set(teamId, { ...team, memberIds: change(team.memberIds) }) : acc;
  }, teams);

export const evolve = (state: OrganizationState, event: OrganizationEvent): OrganizationState => {
  if (event.type === 'OrganizationCreated') {
    const d = event.data;
    const owners: TeamState = {
      teamId: d.ownersTeamId,
      name: OWNERS_TEAM_NAME,
      nameLower: OWNERS_TEAM_NAME,
      visibility: 'organization',
      ssoTeamId: null,
      allowMemberTokenManagement: true,
      organizationAccess: FULL_ACCESS,
      createdAt: d.createdAt,
      memberIds: ISet([d.membershipId]),
    };
    const creator: MembershipState = {
      membershipId: d.membershipId,
      email: d.userEmail,
      emailLower: emailKey(d.userEmail),
      status: 'active',
      userId: d.userId,
      createdAt: d.createdAt,
      invitation: null,
    };
    return {
      status: 'active',
      organizationId: d.organizationId,
      name: d.name,
      email: d.email,
      createdAt: d.createdAt,
      settings: d.settings,
      ownersTeamId: d.ownersTeamId,
      teams: IMap([[owners.teamId, owners]]),
      memberships: IMap([[creator.membershipId, creator]]),
      byEmail: IMap([[creator.emailLower, creator.membershipId]]),
      byUser: IMap([[d.userId, d.membershipId]]),
      tokenTtlPolicies: [],
    };
  }
  if (state.status === 'none') return state;
  switch (event.type) {
    case 'OrganizationUpdated': {
      const { name, email, settings } = event.data;
      return {
        ...state,
        ...(name === undefined ? {} : { name }),
        ...(email === undefined ? {} : { email }),
        ...(settings === undefined ? {} : { settings: { ...state.settings, ...settings } }),
      };
    }
    case 'OrganizationDeleted':
      return { ...state, status: 'deleted' };
    case 'OrganizationTokenTtlPoliciesSet':
      return { ...state, tokenTtlPolicies: event.data.policies };
    case 'TeamCreated': {
      const { teamId, createdAt, ...attributes } = event.data;
      const team: TeamState = {
        ...attributes,
        teamId,
        createdAt,
        nameLower: attributes.name.toLowerCase(),
        memberIds: ISet(),
      };
      return { ...state, teams: state.teams.set(teamId, team) };
    }
    case 'TeamUpdated': {
      const team = state.teams.get(event.data.teamId);
      if (!team) return state;
      const { changes } = event.data;
      const updated: TeamState = {
        ...team,
        ...changes,
        nameLower: changes.name === undefined ? team.nameLower : changes.name.toLowerCase(),
      };
      return { ...state, teams: state.teams.set(team.teamId, updated) };
    }
    case 'TeamDeleted':
      return { ...state, teams: state.teams.delete(event.data.teamId) };
    case 'MemberInvited': {
      const d = event.data;
      const invitation = { tokenHash: d.tokenHash, expiresAt: d.expiresAt, invitedBy: d.invitedBy };
      const existing = state.memberships.get(d.membershipId);
      const membership: MembershipState = existing
        ? { ...existing, invitation }
        : {
            membershipId: d.membershipId,
            email: d.email,
            emailLower: emailKey(d.email),
            status: 'invited',
            userId: null,
            createdAt: d.invitedAt,
            invitation,
          };
      return {
        ...state,
        memberships: state.memberships.set(d.membershipId, membership),
        byEmail: state.byEmail.set(membership.emailLower, d.membershipId),
        teams: withTeamMembers(state.teams, d.teamIds, (ids) => ids.add(d.membershipId)),
      };
    }
    case 'InvitationAccepted': {
      const { membershipId, userId } = event.data;
      const membership = state.memberships.get(membershipId);
      if (!membership) return state;
      return {
        ...state,
        memberships: state.memberships.set(membershipId, {
          ...membership,
          status: 'active',
          userId,
          invitation: null,
        }),
        byUser: state.byUser.set(userId, membershipId),
      };
    }
    case 'MembershipRemoved': {
      const membership = state.memberships.get(event.data.membershipId);
      if (!membership) return state;
      const { membershipId, emailLower, userId } = membership;
      const onTeams = teamsOf(state, membershipId).map((t) => t.teamId);
      return {
        ...state,
        memberships: state.memberships.delete(membershipId),
        byEmail:
          state.byEmail.get(emailLower) === membershipId ? state.byEmail.delete(emailLower) : state.byEmail,
        byUser:
          userId !== null && state.byUser.get(userId) === membershipId
            ? state.byUser.delete(userId)
            : state.byUser,
        teams: withTeamMembers(state.teams, onTeams, (ids) => ids.delete(membershipId)),
      };
    }
    case 'TeamMembersAdded':
    case 'TeamMembersRemoved': {
      const { teamId, membershipIds } = event.data;
      const add = event.type === 'TeamMembersAdded';
      return {
        ...state,
        teams: withTeamMembers(state.teams, [teamId], (ids) =>
          add ? ids.union(membershipIds) : ids.subtract(membershipIds),
        ),
      };
    }
    default:
      return state;
  }
};

// ------------------------------------------------------------------------------------------------ decide

/** A command's data by type (`AddTeamMembers` and `RemoveTeamMembers` share one member of the union). */
type Cmd<T extends OrganizationCommand['type']> = OrganizationCommand extends infer C
  ? C extends { type: infer U; data: infer D }
    ? T extends U
      ? D
      : never
    : never
  : never;
type Live = LiveOrganization & { status: 'active' };

/**
 * The organization and the caller's facts, for a caller who may see it (`OrganizationNotFound` otherwise) and is not
 * locked out of it (`lock-out.ts`: `TwoFactorRequired` by its 2FA policy, `TokenTtlExceeded` by its `user` token TTL
 * policy; `evenIfLockedOut` for what a locked-out member may still do, which then checks `checkLockOut` itself).
 */
const visible = (
  state: OrganizationState,
  actor: Actor,
  options: { evenIfLockedOut?: boolean } = {},
): { org: Live; facts: CallerFacts } => {
  if (!isLive(state)) throw new OrganizationNotFound();
  const facts = callerFacts(state, actor);
  if (!canView(facts)) throw new OrganizationNotFound();
  if (!options.evenIfLockedOut) checkLockOut(state, actor, facts);
  return { org: state, facts };
};

/**
 * A member locked out of the organization: without 2FA where it is required (`TwoFactorRequired`, 403), or acting
 * through a user token that lives longer than its `user` token TTL policy allows (`TokenTtlExceeded`, 403).
 */
const checkLockOut = (org: Live, actor: Actor, facts: CallerFacts): void => {
  const refusal = lockOutOf(
    {
      name: org.name,
      collaboratorAuthPolicy: org.settings.collaboratorAuthPolicy,
      tokenTtlPolicies: org.tokenTtlPolicies,
    },
    facts,
    actor.kind === 'user' ? { twoFactor: actor.twoFactor, userToken: actor.userToken } : {},
  );
  if (refusal) throw refusal;
};

/**
 * Token TTL policies are read and set by owners only (TFC-API §5.4), as the organization's settings are
 * (`canAdministerOrganization`: owners, the owners team's token, the system). A member who is not an owner is told
 * (`TokenTtlPoliciesOwnersOnly`, 403); any other caller — the organization token included, which may not change the
 * organization's settings either — gets the organization's 404. Shared with the query that lists them.
 */
export const checkMayManageTokenTtlPolicies = (facts: CallerFacts): void => {
  if (canAdministerOrganization(facts)) return;
  if (facts.kind === 'member') throw new TokenTtlPoliciesOwnersOnly();
  throw new OrganizationNotFound();
};

/** A team the caller can see, or `TeamNotFound`. */
const visibleTeam = (org: Live, facts: CallerFacts, teamId: string): TeamState => {
  const team = org.teams.get(teamId);
  if (!team || !canSeeTeam(facts, team)) throw new TeamNotFound();
  return team;
};

const isOnTeam = (facts: CallerFacts, teamId: string) => facts.kind === 'member' && facts.teamIds.has(teamId);

/**
 * A caller who cannot see every secret team may not make a team secret unless they are on it: they would lose
 * sight of what they just made (TFC: secret teams need "include secret teams").
 */
const checkVisibility = (facts: CallerFacts, teamId: string, visibility: TeamVisibility) => {
  if (visibility === 'secret' && !canSeeSecretTeams(facts) && !isOnTeam(facts, teamId))
    throw new TeamAttributeForbidden(
      'visibility',
      'Creating or making secret teams requires access to secret teams',
    );
};

const checkTeamNameFree = (org: Live, name: string, exceptTeamId?: string) => {
  const lower = name.toLowerCase();
  for (const t of org.teams.values())
    if (t.nameLower === lower && t.teamId !== exceptTeamId) throw new TeamNameTaken();
};

const checkAccess = (facts: CallerFacts, access: OrganizationAccess) => {
  if (!canManageOrganizationAccess(facts))
    throw new TeamAttributeForbidden(
      'organizationAccess',
      "Changing a team's organization access requires the manage-organization-access permission",
    );
  const violation = accessDependencyViolation(access);
  if (violation) throw new InvalidTeamAttribute('organizationAccess', violation);
};

const sameAccess = (a: OrganizationAccess, b: OrganizationAccess) =>
  (Object.keys(a) as (keyof OrganizationAccess)[]).every((f) => a[f] === b[f]);

/** Only the flags given (`undefined` ones are "not sent"). */
const definedFlags = (patch: Partial<OrganizationAccess> | undefined): Partial<OrganizationAccess> =>
  Object.fromEntries(Object.entries(patch ?? {}).filter(([, v]) => v !== undefined));

/** Whether, without `leaving`, the owners team still has an active member. */
const ownersRemainWithout = (org: Live, leaving: readonly string[]): boolean =>
  activeOwnerMemberships(org).some((m) => !leaving.includes(m.membershipId));

const createOrganization = (state: OrganizationState, d: Cmd<'CreateOrganization'>): OrganizationEvent[] => {
  if (state.status !== 'none') throw new OrganizationAlreadyExists();
  if (d.actor.kind !== 'user') throw new ActorNotAllowed('Only users can create organizations');
  const name = normalizeOrganizationName(d.name);
  const email = parseOrganizationEmail(d.email);
  if (d.settings.collaboratorAuthPolicy === 'two_factor_mandatory' && d.creatorTwoFactor !== true)
    throw new OwnersNeedTwoFactor([d.actor.userId]);
  return [
    {
      type: 'OrganizationCreated',
      data: {
        organizationId: d.organizationId,
        name,
        email,
        settings: d.settings,
        ownersTeamId: d.ownersTeamId,
        membershipId: d.membershipId,
        userId: d.actor.userId,
        userEmail: d.userEmail,
        createdAt: d.now,
      },
    },
  ];
};

const updateOrganization = (state: OrganizationState, d: Cmd<'UpdateOrganization'>): OrganizationEvent[] => {
  const { org, facts } = visible(state, d.actor);
  if (!canAdministerOrganization(facts)) throw new OrganizationNotFound();
  const data: Extract<OrganizationEvent, { type: 'OrganizationUpdated' }>['data'] = {};
  if (d.name !== undefined) {
    const name = normalizeOrganizationName(d.name);
    if (name !== org.name) Object.assign(data, { name, previousName: org.name });
  }
  if (d.email !== undefined) {
    const email = parseOrganizationEmail(d.email);
    if (email !== org.email) data.email = email;
  }
  const settings = Object.fromEntries(
    Object.entries(d.settings ?? {}).filter(
      ([key, value]) => value !== undefined && value !== org.settings[key as keyof typeof org.settings],
    ),
  ) as Partial<typeof org.settings>;
  if (settings.collaboratorAuthPolicy === 'two_factor_mandatory') {
    const without = activeOwnerIds(org).filter((id) => d.ownersTwoFactor[id] !== true);
    if (without.length > 0) throw new OwnersNeedTwoFactor(without);
  }
  if (Object.keys(settings).length > 0) data.settings = settings;
  return Object.keys(data).length === 0 ? [] : [{ type: 'OrganizationUpdated', data }];
};

const deleteOrganization = (state: OrganizationState, d: Cmd<'DeleteOrganization'>): OrganizationEvent[] => {
  const { org, facts } = visible(state, d.actor);
  if (!canAdministerOrganization(facts)) throw new OrganizationNotFound();
  return [{ type: 'OrganizationDeleted', data: { organizationId: org.organizationId, name: org.name } }];
};

const setTokenTtlPolicies = (
  state: OrganizationState,
  d: Cmd<'SetTokenTtlPolicies'>,
): OrganizationEvent[] => {
  const { org, facts } = visible(state, d.actor);
  checkMayManageTokenTtlPolicies(facts);
  const policies = mergeTokenTtlPolicies(org.tokenTtlPolicies, d.policies, d.now);
  // The event carries the whole set, so a consumer never needs an earlier one (ADR 012); nothing changed: no event.
  return samePolicies(policies, org.tokenTtlPolicies)
    ? []
    : [{ type: 'OrganizationTokenTtlPoliciesSet', data: { policies } }];
};

const createTeam = (state: OrganizationState, d: Cmd<'CreateTeam'>): OrganizationEvent[] => {
  const { org, facts } = visible(state, d.actor);
  if (!canManageTeams(facts)) throw new OrganizationNotFound();
  const name = normalizeTeamName(d.name);
  checkTeamNameFree(org, name);
  // TFC's default visibility is `secret`.
  const visibility = d.visibility ?? 'secret';
  checkVisibility(facts, d.teamId, visibility);
  const organizationAccess = { ...NO_ACCESS, ...definedFlags(d.organizationAccess) };
  if (!sameAccess(organizationAccess, NO_ACCESS)) checkAccess(facts, organizationAccess);
  return [
    {
      type: 'TeamCreated',
      data: {
        teamId: d.teamId,
        name,
        visibility,
        ssoTeamId: d.ssoTeamId ?? null,
        allowMemberTokenManagement: d.allowMemberTokenManagement ?? true,
        organizationAccess,
        createdAt: d.now,
      },
    },
  ];
};

const updateTeam = (state: OrganizationState, d: Cmd<'UpdateTeam'>): OrganizationEvent[] => {
  const { org, facts } = visible(state, d.actor);
  const team = visibleTeam(org, facts, d.teamId);
  if (!canManageTeams(facts)) throw new TeamNotFound();
  const isOwners = team.teamId === org.ownersTeamId;
  const changes: Partial<TeamAttributes> = {};
  if (d.name !== undefined) {
    const name = normalizeTeamName(d.name);
    if (name !== team.name) {
      if (isOwners) throw new OwnersTeamProtected('The owners team cannot be renamed');
      checkTeamNameFree(org, name, team.teamId);
      changes.name = name;
    }
  }
  if (d.visibility !== undefined && d.visibility !== team.visibility) {
    checkVisibility(facts, team.teamId, d.visibility);
    changes.visibility = d.visibility;
  }
  if (d.ssoTeamId !== undefined && d.ssoTeamId !== team.ssoTeamId) changes.ssoTeamId = d.ssoTeamId;
  if (
    d.allowMemberTokenManagement !== undefined &&
    d.allowMemberTokenManagement !== team.allowMemberTokenManagement
  )
    changes.allowMemberTokenManagement = d.allowMemberTokenManagement;
  if (d.organizationAccess !== undefined) {
    const access = { ...team.organizationAccess, ...definedFlags(d.organizationAccess) };
    if (!sameAccess(access, team.organizationAccess)) {
      if (isOwners) throw new OwnersTeamProtected("The owners team's organization access cannot be changed");
      checkAccess(facts, access);
      changes.organizationAccess = access;
    }
  }
  return Object.keys(changes).length === 0
    ? []
    : [{ type: 'TeamUpdated', data: { teamId: team.teamId, changes } }];
};

const deleteTeam = (state: OrganizationState, d: Cmd<'DeleteTeam'>): OrganizationEvent[] => {
  const { org, facts } = visible(state, d.actor);
  const team = visibleTeam(org, facts, d.teamId);
  if (!canManageTeams(facts)) throw new TeamNotFound();
  if (team.teamId === org.ownersTeamId) throw new OwnersTeamProtected('The owners team cannot be deleted');
  return [{ type: 'TeamDeleted', data: { teamId: team.teamId, name: team.name } }];
};

const invite = (state: OrganizationState, d: Cmd<'Invite'>): OrganizationEvent[] => {
  const { org, facts } = visible(state, d.actor);
  if (!canManageMembership(facts)) throw new OrganizationNotFound();
  const email = parseInvitationEmail(d.email);
  const teamIds = [...new Set(d.teamIds)];
  for (const teamId of teamIds) visibleTeam(org, facts, teamId);
  if (teamIds.includes(org.ownersTeamId) && !canChangeOwners(facts))
    throw new OwnerRequired('Only owners can invite to the owners team');
  const alreadyMember = () => new InvalidInvitation(`${email} is already a member of this organization`);
  if (d.existingUserId !== null && org.byUser.has(d.existingUserId)) throw alreadyMember();
  const existingId = org.byEmail.get(emailKey(email));
  const existing = existingId === undefined ? undefined : org.memberships.get(existingId);
  if (existing?.status === 'active') throw alreadyMember();
  const common = {
    invitedBy: d.invitedBy,
    tokenHash: d.tokenHash,
    sealedToken: d.sealedToken,
    expiresAt: d.expiresAt,
    invitedAt: d.now,
  };
  if (existing) {
    // A re-invite of a pending invitation refreshes it (new token, new expiry) and adds the teams asked for.
    const onTeams = teamsOf(org, existing.membershipId).map((t) => t.teamId);
    return [
      {
        type: 'MemberInvited',
        data: {
          membershipId: existing.membershipId,
          email: existing.email,
          teamIds: [...new Set([...onTeams, ...teamIds])],
          ...common,
          refreshed: true,
        },
      },
    ];
  }
  return [
    {
      type: 'MemberInvited',
      data: { membershipId: d.membershipId, email, teamIds, ...common, refreshed: false },
    },
  ];
};

const acceptInvitation = (state: OrganizationState, d: Cmd<'AcceptInvitation'>): OrganizationEvent[] => {
  // Whoever holds a token is an outsider until this succeeds: every failure to find the invitation, the
  // organization's included, is the one InvitationNotFound (TFC-API §15).
  if (d.via === 'link' ? d.actor.kind !== 'user' || d.actor.userId !== d.userId : d.actor.kind !== 'system')
    throw new ActorNotAllowed(
      d.via === 'link'
        ? 'An invitation is accepted by the invited user'
        : 'Sign-up acceptances come from the system',
    );
  if (!isLive(state)) throw new InvitationNotFound();
  let membership: MembershipState | undefined;
  if (d.via === 'link') {
    membership = d.tokenHash === undefined ? undefined : invitationByTokenHash(state, d.tokenHash);
  } else {
    membership = d.membershipId === undefined ? undefined : state.memberships.get(d.membershipId);
    // A redelivered sign-up acceptance finds its own work done.
    if (membership?.status === 'active' && membership.userId === d.userId) return [];
    // Identity names the token the account was created with: a refreshed invitation voids the old one.
    if (d.tokenHash !== undefined && membership?.invitation?.tokenHash !== d.tokenHash)
      membership = undefined;
  }
  if (!membership || !invitationLive(membership, d.now)) throw new InvitationNotFound();
  if (emailKey(d.userEmail) !== membership.emailLower) throw new InvitationEmailMismatch();
  if (state.byUser.has(d.userId)) throw new AlreadyMember();
  return [
    {
      type: 'InvitationAccepted',
      data: {
        membershipId: membership.membershipId,
        userId: d.userId,
        email: membership.email,
        via: d.via,
        acceptedAt: d.now,
      },
    },
  ];
};

const removeMembership = (state: OrganizationState, d: Cmd<'RemoveMembership'>): OrganizationEvent[] => {
  // Leaving stays possible for a member the 2FA policy locks out; removing anyone else does not.
  const { org, facts } = visible(state, d.actor, { evenIfLockedOut: true });
  const membership = org.memberships.get(d.membershipId);
  const removed = (reason: Extract<OrganizationEvent, { type: 'MembershipRemoved' }>['data']['reason']) => [
    {
      type: 'MembershipRemoved' as const,
      data: {
        membershipId: membership!.membershipId,
        userId: membership!.userId,
        email: membership!.email,
        reason,
      },
    },
  ];
  if (d.reason === 'account-deleted') {
    if (facts.kind !== 'system')
      throw new ActorNotAllowed('Only the system removes the memberships of deleted accounts');
    if (!membership) throw new MembershipNotFound();
    // The account is gone whatever we answer: its last owner leaves too, and the organization is left without an
    // active owner (site admins, or deletion, settle it).
    return removed('account-deleted');
  }
  if (facts.kind === 'member' && facts.membershipId === d.membershipId) {
    // Leaving is voluntary for everyone, owners included, except the last active owner (TFC-API §15).
    if (facts.isOwner && !ownersRemainWithout(org, [d.membershipId])) throw new LastOwner();
    return removed('left');
  }
  checkLockOut(org, d.actor, facts);
  if (!membership || !canManageMembership(facts)) throw new MembershipNotFound();
  if (ownersTeam(org).memberIds.has(membership.membershipId)) {
    if (!canChangeOwners(facts))
      throw new OwnerRequired('Only owners can remove a member of the owners team');
    if (membership.status === 'active' && !ownersRemainWithout(org, [membership.membershipId]))
      throw new LastOwner();
  }
  return removed(membership.status === 'invited' ? 'invitation-cancelled' : 'removed');
};

const changeTeamMembers = (
  state: OrganizationState,
  type: 'AddTeamMembers' | 'RemoveTeamMembers',
  d: Cmd<'AddTeamMembers'>,
): OrganizationEvent[] => {
  const { org, facts } = visible(state, d.actor);
  const team = visibleTeam(org, facts, d.teamId);
  if (!canManageMembership(facts)) throw new TeamNotFound();
  if ((d.membershipIds === undefined) === (d.userIds === undefined))
    throw new InvalidTeamMembers('Give either organization memberships or users');
  const ids = (d.membershipIds ?? d.userIds)!;
  if (ids.length === 0) throw new InvalidTeamMembers("Members can't be blank");
  const membershipIds = [
    ...new Set(
      d.membershipIds
        ? d.membershipIds.map((id) => {
            if (!org.memberships.has(id))
              throw new InvalidTeamMembers(`${id} is not a membership of this organization`);
            return id;
          })
        : d.userIds!.map((userId) => {
            const id = org.byUser.get(userId);
            if (id === undefined)
              throw new InvalidTeamMembers(`${userId} is not a member of this organization`);
            return id;
          }),
    ),
  ];
  const isOwners = team.teamId === org.ownersTeamId;
  if (isOwners && !canChangeOwners(facts)) throw new OwnerRequired();
  if (type === 'AddTeamMembers') {
    const on = membershipIds.find((id) => team.memberIds.has(id));
    if (on !== undefined) throw new InvalidTeamMembers(`${on} is already a member of the team`);
    return [{ type: 'TeamMembersAdded', data: { teamId: team.teamId, membershipIds } }];
  }
  const off = membershipIds.find((id) => !team.memberIds.has(id));
  if (off !== undefined) throw new InvalidTeamMembers(`${off} is not a member of the team`);
  if (isOwners && !ownersRemainWithout(org, membershipIds)) throw new LastOwner();
  return [{ type: 'TeamMembersRemoved', data: { teamId: team.teamId, membershipIds } }];
};

export const decide = (command: OrganizationCommand, state: OrganizationState): OrganizationEvent[] => {
  switch (command.type) {
    case 'CreateOrganization':
      return createOrganization(state, command.data);
    case 'UpdateOrganization':
      return updateOrganization(state, command.data);
    case 'DeleteOrganization':
      return deleteOrganization(state, command.data);
    case 'SetTokenTtlPolicies':
      return setTokenTtlPolicies(state, command.data);
    case 'CreateTeam':
      return createTeam(state, command.data);
    case 'UpdateTeam':
      return updateTeam(state, command.data);
    case 'DeleteTeam':
      return deleteTeam(state, command.data);
    case 'Invite':
      return invite(state, command.data);
    case 'AcceptInvitation':
      return acceptInvitation(state, command.data);
    case 'RemoveMembership':
      return removeMembership(state, command.data);
    case 'AddTeamMembers':
    case 'RemoveTeamMembers':
      return changeTeamMembers(state, command.type, command.data);
  }
};

export const organizationDecider: Decider<OrganizationCommand, OrganizationEvent, OrganizationState> = {
  initialState,
  evolve,
  decide,
};
