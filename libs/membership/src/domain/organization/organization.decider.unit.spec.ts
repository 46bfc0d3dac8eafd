import type { OrganizationSettings, TokenTtlPolicy, TokenTtlType } from '@idp/contracts';
import { fold } from '@idp/eventing';
import { spec } from '@idp/eventing/testing';
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
  TokenTtlExceeded,
  TokenTtlPoliciesOwnersOnly,
  TwoFactorRequired,
  describeDuration,
} from './errors';
import {
  activeOwnerIds,
  callerFacts,
  checkMayManageTokenTtlPolicies,
  findInvitation,
  isOwnerMembership,
  normalizeOrganizationName,
  organizationDecider,
  parseInvitationEmail,
  parseOrganizationEmail,
} from './organization.decider';
import type {
  Actor,
  LiveOrganization,
  OrganizationCommand,
  OrganizationEvent,
  OrganizationState,
  TeamAttributes,
} from './organization.types';
import { FULL_ACCESS, NO_ACCESS, teamPermissions } from './permissions';
import { userTokenMaxExceeded } from './token-ttl-policy';
import { lockedOutByTwoFactor } from './two-factor-policy';

const NOW = '2026-11-26T10:00:00.000Z';
const LATER = '2026-11-30T10:00:00.000Z';
const EXPIRES = '2026-12-03T10:00:00.000Z';
const AFTER_EXPIRY = '2026-12-04T00:00:00.000Z';

const ORG = 'org-1';
const OWNERS = 'team-owners';

const SETTINGS: OrganizationSettings = {
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

// ------------------------------------------------------------------------------------------------ actors

const user = (userId: string): Actor => ({ kind: 'user', userId });
const ada = user('user-ada'); // the creator, an owner
const bob = user('user-bob'); // a plain member (team dev)
const mia = user('user-mia'); // manage-membership (team managers)
const tom = user('user-tom'); // manage-teams + manage-membership (team admins)
const oli = user('user-oli'); // manage-organization-access (team access)
const eve = user('user-eve'); // an outsider
const orgToken: Actor = { kind: 'organization', organizationId: ORG };
const otherOrgToken: Actor = { kind: 'organization', organizationId: 'org-2' };
const system: Actor = { kind: 'system' };

// ------------------------------------------------------------------------------------------------ events

const created: OrganizationEvent = {
  type: 'OrganizationCreated',
  data: {
    organizationId: ORG,
    name: 'acme',
    email: 'ops@acme.io',
    settings: SETTINGS,
    ownersTeamId: OWNERS,
    membershipId: 'ou-ada',
    userId: 'user-ada',
    userEmail: 'ada@acme.io',
    createdAt: NOW,
  },
};
const teamCreated = (
  teamId: string,
  name: string,
  over: Partial<TeamAttributes> = {},
): OrganizationEvent => ({
  type: 'TeamCreated',
  data: {
    teamId,
    name,
    visibility: 'organization',
    ssoTeamId: null,
    allowMemberTokenManagement: true,
    organizationAccess: NO_ACCESS,
    createdAt: NOW,
    ...over,
  },
});
const invited = (
  membershipId: string,
  email: string,
  teamIds: string[] = [],
  over: Partial<Extract<OrganizationEvent, { type: 'MemberInvited' }>['data']> = {},
): OrganizationEvent => ({
  type: 'MemberInvited',
  data: {
    membershipId,
    email,
    teamIds,
    invitedBy: 'ada',
    tokenHash: `hash-${membershipId}`,
    sealedToken: `sealed-${membershipId}`,
    expiresAt: EXPIRES,
    invitedAt: NOW,
    refreshed: false,
    ...over,
  },
});
const accepted = (membershipId: string, userId: string, email: string, via: 'link' | 'sign-up' = 'link') =>
  ({
    type: 'InvitationAccepted',
    data: { membershipId, userId, email, via, acceptedAt: NOW },
  }) satisfies OrganizationEvent;
const member = (name: string, teamIds: string[]): OrganizationEvent[] => [
  invited(`ou-${name}`, `${name}@acme.io`, teamIds),
  accepted(`ou-${name}`, `user-${name}`, `${name}@acme.io`),
];
const membersAdded = (teamId: string, membershipIds: string[]): OrganizationEvent => ({
  type: 'TeamMembersAdded',
  data: { teamId, membershipIds },
});
const removed = (
  membershipId: string,
  userId: string | null,
  email: string,
  reason: Extract<OrganizationEvent, { type: 'MembershipRemoved' }>['data']['reason'],
): OrganizationEvent => ({ type: 'MembershipRemoved', data: { membershipId, userId, email, reason } });
const orgDeleted: OrganizationEvent = {
  type: 'OrganizationDeleted',
  data: { organizationId: ORG, name: 'acme' },
};

/**
 * An organization with: ada (owner), bob (team dev), mia (team managers: manage-membership), tom (team admins:
 * manage-teams + manage-membership), oli (team access: manage-organization-access), a secret team nobody is on,
 * and pat's pending invitation (team dev).
 */
const world: OrganizationEvent[] = [
  created,
  teamCreated('team-dev', 'dev'),
  teamCreated('team-managers', 'managers', { organizationAccess: { ...NO_ACCESS, manageMembership: true } }),
  teamCreated('team-admins', 'admins', {
    visibility: 'secret',
    organizationAccess: { ...NO_ACCESS, manageMembership: true, manageTeams: true },
  }),
  teamCreated('team-access', 'access', {
    organizationAccess: {
      ...NO_ACCESS,
      manageMembership: true,
      manageTeams: true,
      manageOrganizationAccess: true,
    },
  }),
  teamCreated('team-secret', 'hidden', { visibility: 'secret' }),
  ...member('bob', ['team-dev']),
  ...member('mia', ['team-managers']),
  ...member('tom', ['team-admins']),
  ...member('oli', ['team-access']),
  invited('ou-pat', 'Pat@Acme.io', ['team-dev']),
];
const withSecondOwner = [...world, membersAdded(OWNERS, ['ou-bob'])];

const org = spec(organizationDecider);
const live = (events: OrganizationEvent[]) => fold(organizationDecider, events) as LiveOrganization;

// ------------------------------------------------------------------------------------------------ commands

const createOrg = (
  over: Partial<Extract<OrganizationCommand, { type: 'CreateOrganization' }>['data']> = {},
) =>
  ({
    type: 'CreateOrganization',
    data: {
      actor: ada,
      organizationId: ORG,
      name: 'acme',
      email: 'ops@ACME.io',
      settings: SETTINGS,
      ownersTeamId: OWNERS,
      membershipId: 'ou-ada',
      userEmail: 'ada@acme.io',
      now: NOW,
      ...over,
    },
  }) satisfies OrganizationCommand;
const updateOrg = (actor: Actor, over: Record<string, unknown> = {}) =>
  ({ type: 'UpdateOrganization', data: { actor, ownersTwoFactor: {}, ...over } }) as OrganizationCommand;
const deleteOrg = (actor: Actor): OrganizationCommand => ({ type: 'DeleteOrganization', data: { actor } });
const createTeam = (actor: Actor, over: Record<string, unknown> = {}) =>
  ({
    type: 'CreateTeam',
    data: { actor, teamId: 'team-new', name: 'new', visibility: 'organization', now: LATER, ...over },
  }) as OrganizationCommand;
const updateTeam = (actor: Actor, teamId: string, over: Record<string, unknown> = {}) =>
  ({ type: 'UpdateTeam', data: { actor, teamId, ...over } }) as OrganizationCommand;
const deleteTeam = (actor: Actor, teamId: string): OrganizationCommand => ({
  type: 'DeleteTeam',
  data: { actor, teamId },
});
const invite = (actor: Actor, over: Partial<Extract<OrganizationCommand, { type: 'Invite' }>['data']> = {}) =>
  ({
    type: 'Invite',
    data: {
      actor,
      membershipId: 'ou-new',
      email: 'new@acme.io',
      teamIds: [],
      invitedBy: actor.kind === 'user' ? actor.userId.slice(5) : null,
      tokenHash: 'hash-new',
      sealedToken: 'sealed-new',
      existingUserId: null,
      expiresAt: EXPIRES,
      now: LATER,
      ...over,
    },
  }) satisfies OrganizationCommand;
const acceptByLink = (
  userId: string,
  userEmail: string,
  tokenHash: string,
  now = LATER,
): OrganizationCommand => ({
  type: 'AcceptInvitation',
  data: { actor: user(userId), via: 'link', tokenHash, userId, userEmail, now },
});
const acceptBySignUp = (
  membershipId: string,
  userId: string,
  userEmail: string,
  over: Record<string, unknown> = {},
): OrganizationCommand =>
  ({
    type: 'AcceptInvitation',
    data: { actor: system, via: 'sign-up', membershipId, userId, userEmail, now: LATER, ...over },
  }) as OrganizationCommand;
const removeMembership = (
  actor: Actor,
  membershipId: string,
  reason?: 'account-deleted',
): OrganizationCommand => ({
  type: 'RemoveMembership',
  data: { actor, membershipId, ...(reason ? { reason } : {}) },
});
const addMembers = (actor: Actor, teamId: string, ids: { membershipIds?: string[]; userIds?: string[] }) =>
  ({ type: 'AddTeamMembers', data: { actor, teamId, ...ids } }) satisfies OrganizationCommand;
const removeMembers = (actor: Actor, teamId: string, ids: { membershipIds?: string[]; userIds?: string[] }) =>
  ({ type: 'RemoveTeamMembers', data: { actor, teamId, ...ids } }) satisfies OrganizationCommand;

// ================================================================================================= specs

describe('organization: create', () => {
  it('creates the organization, its owners team and the creator on it, in one event', () => {
    org.given([]).when(createOrg()).then([created]);
    org
      .given([])
      .when(createOrg())
      .thenState((s) => {
        const state = s as LiveOrganization;
        const owners = state.teams.get(OWNERS)!;
        expect(owners).toMatchObject({
          name: 'owners',
          visibility: 'organization',
          organizationAccess: FULL_ACCESS,
          allowMemberTokenManagement: true,
        });
        expect([...owners.memberIds]).toEqual(['ou-ada']);
        expect(state.memberships.get('ou-ada')).toMatchObject({ status: 'active', userId: 'user-ada' });
        expect(activeOwnerIds(state)).toEqual(['user-ada']);
        expect(isOwnerMembership(state, 'ou-ada')).toBe(true);
      });
  });

  it('is for users only: neither an organization token nor the system creates organizations', () => {
    org
      .given([])
      .when(createOrg({ actor: orgToken }))
      .thenThrows(ActorNotAllowed, { code: 'MEMBERSHIP.ACTOR_FORBIDDEN' });
    org
      .given([])
      .when(createOrg({ actor: system }))
      .thenThrows(ActorNotAllowed);
  });

  it('validates the name and the e-mail', () => {
    for (const name of ['', '  ', 'has space', 'dot.ted', 'ü', 'x'.repeat(65)])
      org
        .given([])
        .when(createOrg({ name }))
        .thenThrows(InvalidOrganizationAttribute, { code: 'ORGANIZATION.INVALID_ATTRIBUTE' });
    for (const email of ['', 'nobody', 'a@b', 'a b@c.io', `${'a'.repeat(320)}@acme.io`])
      org.given([]).when(createOrg({ email })).thenThrows(InvalidOrganizationAttribute);
    org
      .given([])
      .when(createOrg({ name: 'Ac-me_9' }))
      .then([{ ...created, data: { ...created.data, name: 'Ac-me_9' } }]);
  });

  it('refuses an id that exists, deleted or not', () => {
    org.given([created]).when(createOrg()).thenThrows(OrganizationAlreadyExists);
    org.given([created, orgDeleted]).when(createOrg()).thenThrows(OrganizationAlreadyExists);
  });

  it('requires 2FA policy only from a creator who has 2FA', () => {
    const settings = { ...SETTINGS, collaboratorAuthPolicy: 'two_factor_mandatory' as const };
    org.given([]).when(createOrg({ settings })).thenThrows(OwnersNeedTwoFactor);
    org
      .given([])
      .when(createOrg({ settings, creatorTwoFactor: true }))
      .then([{ ...created, data: { ...created.data, settings } }]);
  });
});

describe('organization: visibility of the organization to each kind of actor', () => {
  const commands = (actor: Actor): OrganizationCommand[] => [
    updateOrg(actor, { email: 'x@acme.io' }),
    deleteOrg(actor),
    createTeam(actor),
    updateTeam(actor, 'team-dev', { name: 'x' }),
    deleteTeam(actor, 'team-dev'),
    invite(actor),
    removeMembership(actor, 'ou-bob'),
    addMembers(actor, 'team-dev', { membershipIds: ['ou-mia'] }),
    removeMembers(actor, 'team-dev', { membershipIds: ['ou-bob'] }),
  ];

  it('answers OrganizationNotFound to outsiders and to the token of another organization', () => {
    for (const actor of [eve, otherOrgToken])
      for (const command of commands(actor))
        org.given(world).when(command).thenThrows(OrganizationNotFound, { code: 'ORGANIZATION.NOT_FOUND' });
  });

  it('answers OrganizationNotFound to everyone, owners included, once the organization is deleted or never was', () => {
    for (const actor of [ada, orgToken, system]) {
      for (const command of commands(actor)) {
        org
          .given([...world, orgDeleted])
          .when(command)
          .thenThrows(OrganizationNotFound);
        org.given([]).when(command).thenThrows(OrganizationNotFound);
      }
    }
  });

  it('knows who the caller is', () => {
    const state = live(world);
    expect(callerFacts(state, eve)).toEqual({ kind: 'outsider' });
    expect(callerFacts(state, otherOrgToken)).toEqual({ kind: 'outsider' });
    expect(callerFacts(state, orgToken)).toEqual({ kind: 'organization-token' });
    expect(callerFacts(state, system)).toEqual({ kind: 'system' });
    expect(callerFacts(state, ada)).toMatchObject({ kind: 'member', isOwner: true, access: FULL_ACCESS });
    const facts = callerFacts(state, mia);
    expect(facts).toMatchObject({ kind: 'member', membershipId: 'ou-mia', isOwner: false });
    if (facts.kind === 'member') {
      expect(facts.access.manageMembership).toBe(true);
      expect(facts.access.manageTeams).toBe(false);
      expect([...facts.teamIds]).toEqual(['team-managers']);
    }
    // An invitation is not a membership yet.
    expect(callerFacts(live([...world, invited('ou-eve', 'eve@acme.io')]), eve)).toEqual({
      kind: 'outsider',
    });
  });
});

describe('organization: update', () => {
  it('is for owners (and the system); every other member and the organization token get OrganizationNotFound', () => {
    for (const actor of [bob, mia, tom, oli, orgToken])
      org
        .given(world)
        .when(updateOrg(actor, { email: 'x@acme.io' }))
        .thenThrows(OrganizationNotFound);
    org
      .given(world)
      .when(updateOrg(ada, { email: 'new@acme.io' }))
      .then([{ type: 'OrganizationUpdated', data: { email: 'new@acme.io' } }]);
  });

  it('emits only what changed, and a rename carries the previous name', () => {
    org
      .given(world)
      .when(
        updateOrg(ada, {
          name: 'acme-corp',
          email: 'ops@acme.io',
          settings: { sessionTimeout: 60, costEstimationEnabled: false, userTokensEnabled: undefined },
        }),
      )
      .then([
        {
          type: 'OrganizationUpdated',
          data: { name: 'acme-corp', previousName: 'acme', settings: { sessionTimeout: 60 } },
        },
      ]);
    org
      .given(world)
      .when(updateOrg(ada, { name: 'acme-corp' }))
      .thenState((s) => expect(s).toMatchObject({ name: 'acme-corp', settings: SETTINGS }));
  });

  it('emits nothing when nothing changes', () => {
    org
      .given(world)
      .when(updateOrg(ada, { name: 'acme', email: 'ops@acme.io', settings: { sessionTimeout: 20160 } }))
      .thenNothingHappened();
    org.given(world).when(updateOrg(ada)).thenNothingHappened();
  });

  it('validates a new name and e-mail', () => {
    org
      .given(world)
      .when(updateOrg(ada, { name: 'no spaces' }))
      .thenThrows(InvalidOrganizationAttribute);
    org
      .given(world)
      .when(updateOrg(ada, { email: 'nope' }))
      .thenThrows(InvalidOrganizationAttribute);
  });

  it('requires two-factor only when every active owner has it (a missing entry counts as no)', () => {
    const policy = { settings: { collaboratorAuthPolicy: 'two_factor_mandatory' } };
    org
      .given(withSecondOwner)
      .when(updateOrg(ada, { ...policy, ownersTwoFactor: { 'user-ada': true } }))
      .thenThrows(OwnersNeedTwoFactor, { code: 'ORGANIZATION.INVALID_COLLABORATOR_AUTH_POLICY' });
    org
      .given(withSecondOwner)
      .when(updateOrg(ada, { ...policy, ownersTwoFactor: { 'user-ada': true, 'user-bob': false } }))
      .thenThrows(OwnersNeedTwoFactor);
    org
      .given(withSecondOwner)
      .when(updateOrg(ada, { ...policy, ownersTwoFactor: { 'user-ada': true, 'user-bob': true } }))
      .then([
        {
          type: 'OrganizationUpdated',
          data: { settings: { collaboratorAuthPolicy: 'two_factor_mandatory' } },
        },
      ]);
    // Invited members of the owners team are not owners yet.
    org
      .given([...world, invited('ou-new', 'new@acme.io', [OWNERS])])
      .when(updateOrg(ada, { ...policy, ownersTwoFactor: { 'user-ada': true } }))
      .then([
        {
          type: 'OrganizationUpdated',
          data: { settings: { collaboratorAuthPolicy: 'two_factor_mandatory' } },
        },
      ]);
  });
});

describe('organization: delete', () => {
  it('is for owners only', () => {
    for (const actor of [bob, mia, tom, oli, orgToken])
      org.given(world).when(deleteOrg(actor)).thenThrows(OrganizationNotFound);
  });

  it('emits OrganizationDeleted alone, which ends everything in it', () => {
    org.given(world).when(deleteOrg(ada)).then([orgDeleted]);
    org
      .given(world)
      .when(deleteOrg(ada))
      .thenState((s) => expect(s.status).toBe('deleted'));
    org
      .given([...world, orgDeleted])
      .when(deleteOrg(ada))
      .thenThrows(OrganizationNotFound);
  });
});

describe('teams: create', () => {
  const teamNew = (over: Partial<TeamAttributes> = {}) =>
    teamCreated('team-new', 'new', { ...over, createdAt: LATER } as Partial<TeamAttributes>);

  it('is for team managers: owners, manage-teams holders, the organization token', () => {
    for (const actor of [ada, tom, oli, orgToken]) org.given(world).when(createTeam(actor)).then([teamNew()]);
    for (const actor of [bob, mia]) org.given(world).when(createTeam(actor)).thenThrows(OrganizationNotFound);
  });

  it('defaults to a secret team with member token management and no access', () => {
    org
      .given(world)
      .when(createTeam(ada, { visibility: undefined }))
      .then([teamNew({ visibility: 'secret' })]);
  });

  it('makes a secret team only for callers who can see secret teams', () => {
    org
      .given(world)
      .when(createTeam(tom, { visibility: 'secret' }))
      .thenThrows(TeamAttributeForbidden, { code: 'TEAM.ATTRIBUTE_FORBIDDEN' });
    org
      .given(world)
      .when(createTeam(orgToken, { visibility: 'secret' }))
      .then([teamNew({ visibility: 'secret' })]);
  });

  it('checks the name: shape, and unique case-insensitively (owners included)', () => {
    for (const name of ['', 'with space', 'a/b', 'x'.repeat(65)])
      org
        .given(world)
        .when(createTeam(ada, { name }))
        .thenThrows(InvalidTeamAttribute, { code: 'TEAM.INVALID_ATTRIBUTE' });
    for (const name of ['DEV', 'Owners'])
      org.given(world).when(createTeam(ada, { name })).thenThrows(TeamNameTaken, { code: 'TEAM.NAME_TAKEN' });
    org
      .given([...world, { type: 'TeamDeleted', data: { teamId: 'team-dev', name: 'dev' } }])
      .when(createTeam(ada, { name: 'Dev' }))
      .then([teamNew({ name: 'Dev' })]);
  });

  it('grants organization access only with manage-organization-access, and only consistent flags', () => {
    const access = { manageWorkspaces: true, readWorkspaces: true };
    org
      .given(world)
      .when(createTeam(tom, { organizationAccess: access }))
      .thenThrows(TeamAttributeForbidden);
    org
      .given(world)
      .when(createTeam(tom, { organizationAccess: { manageWorkspaces: false } }))
      .then([teamNew()]);
    org
      .given(world)
      .when(createTeam(oli, { organizationAccess: access }))
      .then([teamNew({ organizationAccess: { ...NO_ACCESS, ...access } })]);
    org
      .given(world)
      .when(createTeam(ada, { organizationAccess: { manageProjects: true } }))
      .thenThrows(InvalidTeamAttribute, { message: 'manage-projects requires manage-workspaces' });
    org
      .given(world)
      .when(createTeam(orgToken, { organizationAccess: { manageTeams: true } }))
      .thenThrows(InvalidTeamAttribute, { message: /manage-teams requires manage-membership/ });
  });
});

describe('teams: update and delete', () => {
  it('updates only what changed, for team managers', () => {
    org
      .given(world)
      .when(updateTeam(tom, 'team-dev', { name: 'Devs', visibility: 'organization', ssoTeamId: 'grp-1' }))
      .then([
        { type: 'TeamUpdated', data: { teamId: 'team-dev', changes: { name: 'Devs', ssoTeamId: 'grp-1' } } },
      ]);
    org
      .given(world)
      .when(updateTeam(tom, 'team-dev', { name: 'dev' }))
      .thenNothingHappened();
    org
      .given(world)
      .when(updateTeam(ada, 'team-dev', { name: 'DEV' }))
      .then([{ type: 'TeamUpdated', data: { teamId: 'team-dev', changes: { name: 'DEV' } } }]);
    org
      .given(world)
      .when(updateTeam(ada, 'team-dev', { name: 'managers' }))
      .thenThrows(TeamNameTaken);
    org
      .given(world)
      .when(updateTeam(ada, 'team-dev', { name: 'bad name' }))
      .thenThrows(InvalidTeamAttribute);
  });

  it('answers TeamNotFound to members who may see the team but not manage it', () => {
    for (const actor of [bob, mia]) {
      org
        .given(world)
        .when(updateTeam(actor, 'team-dev', { name: 'x' }))
        .thenThrows(TeamNotFound);
      org.given(world).when(deleteTeam(actor, 'team-dev')).thenThrows(TeamNotFound);
    }
  });

  it('hides secret teams from callers who are not on them and cannot see secret teams', () => {
    for (const actor of [tom, bob]) {
      org
        .given(world)
        .when(updateTeam(actor, 'team-secret', { name: 'x' }))
        .thenThrows(TeamNotFound);
      org.given(world).when(deleteTeam(actor, 'team-secret')).thenThrows(TeamNotFound);
    }
    // tom is on the secret admins team, so he sees and manages it; unknown ids are not found either.
    org
      .given(world)
      .when(updateTeam(tom, 'team-admins', { allowMemberTokenManagement: false }))
      .then([
        {
          type: 'TeamUpdated',
          data: { teamId: 'team-admins', changes: { allowMemberTokenManagement: false } },
        },
      ]);
    org
      .given(world)
      .when(updateTeam(ada, 'team-nope', { name: 'x' }))
      .thenThrows(TeamNotFound);
    org.given(world).when(deleteTeam(orgToken, 'team-nope')).thenThrows(TeamNotFound);
  });

  it('lets a caller make secret only a team they would still see', () => {
    org
      .given(world)
      .when(updateTeam(tom, 'team-dev', { visibility: 'secret' }))
      .thenThrows(TeamAttributeForbidden);
    org
      .given([...world, membersAdded('team-dev', ['ou-tom'])])
      .when(updateTeam(tom, 'team-dev', { visibility: 'secret' }))
      .then([{ type: 'TeamUpdated', data: { teamId: 'team-dev', changes: { visibility: 'secret' } } }]);
  });

  it('changes organization access with manage-organization-access only, merged into the current flags', () => {
    org
      .given(world)
      .when(updateTeam(tom, 'team-dev', { organizationAccess: { readWorkspaces: true } }))
      .thenThrows(TeamAttributeForbidden);
    org
      .given(world)
      .when(updateTeam(oli, 'team-managers', { organizationAccess: { readWorkspaces: true } }))
      .then([
        {
          type: 'TeamUpdated',
          data: {
            teamId: 'team-managers',
            changes: { organizationAccess: { ...NO_ACCESS, manageMembership: true, readWorkspaces: true } },
          },
        },
      ]);
    org
      .given(world)
      .when(
        updateTeam(oli, 'team-managers', {
          organizationAccess: { manageMembership: false, manageTeams: true },
        }),
      )
      .thenThrows(InvalidTeamAttribute);
    // Unchanged flags are no change, whoever sends them.
    org
      .given(world)
      .when(updateTeam(tom, 'team-managers', { organizationAccess: { manageMembership: true } }))
      .thenNothingHappened();
  });

  it('protects the owners team: no rename, no access change, no delete; visibility and token settings may change', () => {
    org
      .given(world)
      .when(updateTeam(ada, OWNERS, { name: 'bosses' }))
      .thenThrows(OwnersTeamProtected, { code: 'TEAM.INVALID_OWNERS_TEAM_CHANGE' });
    org
      .given(world)
      .when(updateTeam(ada, OWNERS, { organizationAccess: { manageMembership: false } }))
      .thenThrows(OwnersTeamProtected);
    org.given(world).when(deleteTeam(ada, OWNERS)).thenThrows(OwnersTeamProtected);
    org.given(world).when(deleteTeam(orgToken, OWNERS)).thenThrows(OwnersTeamProtected);
    org
      .given(world)
      .when(
        updateTeam(tom, OWNERS, {
          visibility: 'secret',
          ssoTeamId: 'grp',
          allowMemberTokenManagement: false,
        }),
      )
      .thenThrows(TeamAttributeForbidden);
    org
      .given(world)
      .when(
        updateTeam(ada, OWNERS, {
          name: 'owners',
          visibility: 'secret',
          ssoTeamId: 'grp',
          allowMemberTokenManagement: false,
        }),
      )
      .then([
        {
          type: 'TeamUpdated',
          data: {
            teamId: OWNERS,
            changes: { visibility: 'secret', ssoTeamId: 'grp', allowMemberTokenManagement: false },
          },
        },
      ]);
  });

  it('deletes a team with its member list; the members stay in the organization', () => {
    org
      .given(world)
      .when(deleteTeam(tom, 'team-dev'))
      .then([{ type: 'TeamDeleted', data: { teamId: 'team-dev', name: 'dev' } }]);
    org
      .given(world)
      .when(deleteTeam(orgToken, 'team-dev'))
      .thenState((s) => {
        const state = s as LiveOrganization;
        expect(state.teams.has('team-dev')).toBe(false);
        expect(state.memberships.get('ou-bob')?.status).toBe('active');
        expect(callerFacts(state, bob)).toMatchObject({ kind: 'member', teamIds: new Set() });
      });
  });
});

describe('invitations: invite', () => {
  const newInvite = (over: Partial<Extract<OrganizationEvent, { type: 'MemberInvited' }>['data']> = {}) =>
    invited('ou-new', 'new@acme.io', [], {
      tokenHash: 'hash-new',
      sealedToken: 'sealed-new',
      invitedAt: LATER,
      ...over,
    });

  it('is for membership managers: owners, manage-membership holders, the organization token', () => {
    org.given(world).when(invite(ada)).then([newInvite()]);
    org
      .given(world)
      .when(invite(mia))
      .then([newInvite({ invitedBy: 'mia' })]);
    org
      .given(world)
      .when(invite(orgToken))
      .then([newInvite({ invitedBy: null })]);
    org.given(world).when(invite(bob)).thenThrows(OrganizationNotFound);
  });

  it('puts the invited membership on the teams named, in the one event', () => {
    org
      .given(world)
      .when(invite(mia, { teamIds: ['team-dev', 'team-managers', 'team-dev'] }))
      .then([newInvite({ invitedBy: 'mia', teamIds: ['team-dev', 'team-managers'] })]);
    org
      .given(world)
      .when(invite(mia, { teamIds: ['team-dev'] }))
      .thenState((s) => {
        const state = s as LiveOrganization;
        expect(state.teams.get('team-dev')!.memberIds.has('ou-new')).toBe(true);
        expect(state.memberships.get('ou-new')).toMatchObject({
          status: 'invited',
          userId: null,
          email: 'new@acme.io',
        });
      });
  });

  it('answers TeamNotFound for a team that is unknown or invisible to the caller', () => {
    org
      .given(world)
      .when(invite(ada, { teamIds: ['team-nope'] }))
      .thenThrows(TeamNotFound);
    org
      .given(world)
      .when(invite(mia, { teamIds: ['team-secret'] }))
      .thenThrows(TeamNotFound);
    org
      .given(world)
      .when(invite(orgToken, { teamIds: ['team-secret'] }))
      .then([newInvite({ invitedBy: null, teamIds: ['team-secret'] })]);
  });

  it('invites to the owners team only when an owner or the organization token asks', () => {
    org
      .given(world)
      .when(invite(mia, { teamIds: [OWNERS] }))
      .thenThrows(OwnerRequired, { code: 'TEAM.OWNER_REQUIRED_FORBIDDEN' });
    org
      .given(world)
      .when(invite(tom, { teamIds: [OWNERS] }))
      .thenThrows(OwnerRequired);
    org
      .given(world)
      .when(invite(ada, { teamIds: [OWNERS] }))
      .then([newInvite({ teamIds: [OWNERS] })]);
    org
      .given(world)
      .when(invite(orgToken, { teamIds: [OWNERS] }))
      .then([newInvite({ invitedBy: null, teamIds: [OWNERS] })]);
  });

  it('validates the e-mail', () => {
    for (const email of ['', 'nope', 'a@b', 'a b@acme.io', `${'a'.repeat(320)}@acme.io`])
      org
        .given(world)
        .when(invite(ada, { email }))
        .thenThrows(InvalidInvitation, { code: 'MEMBERSHIP.INVALID_INVITATION' });
    org
      .given(world)
      .when(invite(ada, { email: ' New@ACME.IO ' }))
      .then([newInvite({ email: 'New@acme.io' })]);
  });

  it('refuses the e-mail of an active member (any case) and an existing account that is already a member', () => {
    org
      .given(world)
      .when(invite(ada, { email: 'BOB@acme.io' }))
      .thenThrows(InvalidInvitation, { message: /already a member/ });
    org
      .given(world)
      .when(invite(ada, { email: 'bob-other@acme.io', existingUserId: 'user-bob' }))
      .thenThrows(InvalidInvitation, { message: /already a member/ });
    org
      .given(world)
      .when(invite(ada, { existingUserId: 'user-eve' }))
      .then([newInvite()]);
  });

  it('refreshes a pending invitation of the same e-mail: same membership, new token and expiry, teams added', () => {
    org
      .given(world)
      .when(
        invite(ada, {
          email: 'PAT@acme.io',
          teamIds: ['team-managers', 'team-dev'],
          tokenHash: 'hash-2',
          sealedToken: 'sealed-2',
          expiresAt: '2026-12-07T10:00:00.000Z',
        }),
      )
      .then([
        invited('ou-pat', 'Pat@Acme.io', ['team-dev', 'team-managers'], {
          tokenHash: 'hash-2',
          sealedToken: 'sealed-2',
          expiresAt: '2026-12-07T10:00:00.000Z',
          invitedAt: LATER,
          refreshed: true,
        }),
      ]);
  });

  it('after a refresh only the new token is accepted, until the new expiry', () => {
    const refreshed = [
      ...world,
      invited('ou-pat', 'Pat@Acme.io', ['team-dev'], {
        tokenHash: 'hash-2',
        expiresAt: '2026-12-07T10:00:00.000Z',
        refreshed: true,
      }),
    ];
    org
      .given(refreshed)
      .when(acceptByLink('user-pat', 'pat@acme.io', 'hash-ou-pat'))
      .thenThrows(InvitationNotFound);
    org
      .given(refreshed)
      .when(acceptByLink('user-pat', 'pat@acme.io', 'hash-2', AFTER_EXPIRY))
      .then([
        {
          type: 'InvitationAccepted',
          data: {
            membershipId: 'ou-pat',
            userId: 'user-pat',
            email: 'Pat@Acme.io',
            via: 'link',
            acceptedAt: AFTER_EXPIRY,
          },
        },
      ]);
    const state = live(refreshed);
    expect(state.memberships.size).toBe(live(world).memberships.size);
    expect(findInvitation(state, 'hash-2', NOW)?.membershipId).toBe('ou-pat');
    expect(findInvitation(state, 'hash-ou-pat', NOW)).toBeUndefined();
  });
});

describe('invitations: accept', () => {
  const patAccepted = (via: 'link' | 'sign-up' = 'link', userId = 'user-pat') => ({
    type: 'InvitationAccepted' as const,
    data: { membershipId: 'ou-pat', userId, email: 'Pat@Acme.io', via, acceptedAt: LATER },
  });

  it('accepts by link: the invited user presents the token; the membership becomes active on its teams', () => {
    org
      .given(world)
      .when(acceptByLink('user-pat', 'pat@ACME.io', 'hash-ou-pat'))
      .then([patAccepted()]);
    org
      .given(world)
      .when(acceptByLink('user-pat', 'pat@acme.io', 'hash-ou-pat'))
      .thenState((s) => {
        const state = s as LiveOrganization;
        expect(state.memberships.get('ou-pat')).toMatchObject({
          status: 'active',
          userId: 'user-pat',
          invitation: null,
        });
        expect(callerFacts(state, user('user-pat'))).toMatchObject({
          kind: 'member',
          teamIds: new Set(['team-dev']),
        });
      });
  });

  it('a used token, an unknown one, or an expired invitation is InvitationNotFound', () => {
    org
      .given([...world, accepted('ou-pat', 'user-pat', 'pat@acme.io')])
      .when(acceptByLink('user-pat', 'pat@acme.io', 'hash-ou-pat'))
      .thenThrows(InvitationNotFound, { code: 'INVITATION.NOT_FOUND' });
    org
      .given(world)
      .when(acceptByLink('user-pat', 'pat@acme.io', 'hash-unknown'))
      .thenThrows(InvitationNotFound);
    org
      .given(world)
      .when(acceptByLink('user-pat', 'pat@acme.io', 'hash-ou-pat', EXPIRES))
      .thenThrows(InvitationNotFound);
    org
      .given(world)
      .when(acceptBySignUp('ou-pat', 'user-pat', 'pat@acme.io', { now: EXPIRES }))
      .thenThrows(InvitationNotFound);
  });

  it('a cancelled invitation, or one of a deleted or unknown organization, is InvitationNotFound', () => {
    org
      .given([...world, removed('ou-pat', null, 'Pat@Acme.io', 'invitation-cancelled')])
      .when(acceptByLink('user-pat', 'pat@acme.io', 'hash-ou-pat'))
      .thenThrows(InvitationNotFound);
    org
      .given([...world, orgDeleted])
      .when(acceptByLink('user-pat', 'pat@acme.io', 'hash-ou-pat'))
      .thenThrows(InvitationNotFound);
    org
      .given([])
      .when(acceptByLink('user-pat', 'pat@acme.io', 'hash-ou-pat'))
      .thenThrows(InvitationNotFound);
  });

  it('refuses an account whose confirmed e-mail is not the invited one', () => {
    org
      .given(world)
      .when(acceptByLink('user-pat', 'pat@other.io', 'hash-ou-pat'))
      .thenThrows(InvitationEmailMismatch, { code: 'INVITATION.EMAIL_MISMATCH_FORBIDDEN' });
    org
      .given(world)
      .when(acceptBySignUp('ou-pat', 'user-pat', 'pat@other.io'))
      .thenThrows(InvitationEmailMismatch);
  });

  it('refuses a user who is already an active member through another membership', () => {
    // bob accepts an invitation sent to his other address.
    const bobAgain = [...world, invited('ou-bob2', 'bob@home.io', [], { tokenHash: 'hash-bob2' })];
    org
      .given(bobAgain)
      .when(acceptByLink('user-bob', 'bob@home.io', 'hash-bob2'))
      .thenThrows(AlreadyMember, { code: 'MEMBERSHIP.ALREADY_MEMBER' });
  });

  it('by link only the user accepting, by sign-up only the system', () => {
    const byOther: OrganizationCommand = {
      type: 'AcceptInvitation',
      data: {
        actor: eve,
        via: 'link',
        tokenHash: 'hash-ou-pat',
        userId: 'user-pat',
        userEmail: 'pat@acme.io',
        now: LATER,
      },
    };
    org.given(world).when(byOther).thenThrows(ActorNotAllowed);
    for (const actor of [orgToken, system])
      org
        .given(world)
        .when({ ...byOther, data: { ...byOther.data, actor } } as OrganizationCommand)
        .thenThrows(ActorNotAllowed);
    org
      .given(world)
      .when(acceptBySignUp('ou-pat', 'user-pat', 'pat@acme.io', { actor: user('user-pat') }))
      .thenThrows(ActorNotAllowed);
  });

  it('accepts by sign-up, named by membership id, and is idempotent when the acceptance is delivered again', () => {
    org
      .given(world)
      .when(acceptBySignUp('ou-pat', 'user-pat', 'pat@acme.io'))
      .then([patAccepted('sign-up')]);
    org
      .given([...world, patAccepted('sign-up')])
      .when(acceptBySignUp('ou-pat', 'user-pat', 'pat@acme.io'))
      .thenNothingHappened();
    // Another user on the same (now active) membership is no redelivery.
    org
      .given([...world, patAccepted('sign-up')])
      .when(acceptBySignUp('ou-pat', 'user-zed', 'pat@acme.io'))
      .thenThrows(InvitationNotFound);
    org
      .given(world)
      .when(acceptBySignUp('ou-nope', 'user-pat', 'pat@acme.io'))
      .thenThrows(InvitationNotFound);
  });

  it('by sign-up with a token hash, only the current token counts', () => {
    org
      .given(world)
      .when(acceptBySignUp('ou-pat', 'user-pat', 'pat@acme.io', { tokenHash: 'hash-ou-pat' }))
      .then([patAccepted('sign-up')]);
    org
      .given(world)
      .when(acceptBySignUp('ou-pat', 'user-pat', 'pat@acme.io', { tokenHash: 'hash-old' }))
      .thenThrows(InvitationNotFound);
  });
});

describe('memberships: remove', () => {
  it('leaving is allowed to every member, owners included', () => {
    org
      .given(world)
      .when(removeMembership(bob, 'ou-bob'))
      .then([removed('ou-bob', 'user-bob', 'bob@acme.io', 'left')]);
    org
      .given(withSecondOwner)
      .when(removeMembership(ada, 'ou-ada'))
      .then([removed('ou-ada', 'user-ada', 'ada@acme.io', 'left')]);
  });

  it('the last active owner cannot leave; an invited owner does not count', () => {
    org
      .given(world)
      .when(removeMembership(ada, 'ou-ada'))
      .thenThrows(LastOwner, { code: 'MEMBERSHIP.LAST_OWNER_FORBIDDEN' });
    org
      .given([...world, invited('ou-new', 'new@acme.io', [OWNERS])])
      .when(removeMembership(ada, 'ou-ada'))
      .thenThrows(LastOwner);
  });

  it('two owners leaving at once: the second decision, made after the first, meets LastOwner', () => {
    const afterFirst = [...withSecondOwner, removed('ou-bob', 'user-bob', 'bob@acme.io', 'left')];
    org.given(afterFirst).when(removeMembership(ada, 'ou-ada')).thenThrows(LastOwner);
  });

  it('removing another member needs manage-membership; others get MembershipNotFound', () => {
    for (const actor of [ada, mia, tom, orgToken, system])
      org
        .given(world)
        .when(removeMembership(actor, 'ou-bob'))
        .then([removed('ou-bob', 'user-bob', 'bob@acme.io', 'removed')]);
    org
      .given(world)
      .when(removeMembership(bob, 'ou-mia'))
      .thenThrows(MembershipNotFound, { code: 'MEMBERSHIP.NOT_FOUND' });
    org.given(world).when(removeMembership(ada, 'ou-nope')).thenThrows(MembershipNotFound);
  });

  it('cancels an invitation', () => {
    org
      .given(world)
      .when(removeMembership(mia, 'ou-pat'))
      .then([removed('ou-pat', null, 'Pat@Acme.io', 'invitation-cancelled')]);
    org
      .given(world)
      .when(removeMembership(mia, 'ou-pat'))
      .thenState((s) => {
        const state = s as LiveOrganization;
        expect(state.memberships.has('ou-pat')).toBe(false);
        expect(state.byEmail.has('pat@acme.io')).toBe(false);
        expect(state.teams.get('team-dev')!.memberIds.has('ou-pat')).toBe(false);
      });
  });

  it('removing an owner needs an owner or the organization token, and never the last one', () => {
    org.given(withSecondOwner).when(removeMembership(mia, 'ou-bob')).thenThrows(OwnerRequired);
    org.given(withSecondOwner).when(removeMembership(tom, 'ou-ada')).thenThrows(OwnerRequired);
    org
      .given(withSecondOwner)
      .when(removeMembership(orgToken, 'ou-ada'))
      .then([removed('ou-ada', 'user-ada', 'ada@acme.io', 'removed')]);
    org
      .given(withSecondOwner)
      .when(removeMembership(ada, 'ou-bob'))
      .thenState((s) => {
        const state = s as LiveOrganization;
        expect(activeOwnerIds(state)).toEqual(['user-ada']);
        expect(state.byUser.has('user-bob')).toBe(false);
        expect(state.teams.get('team-dev')!.memberIds.has('ou-bob')).toBe(false);
      });
    org.given(world).when(removeMembership(orgToken, 'ou-ada')).thenThrows(LastOwner);
    org.given(world).when(removeMembership(system, 'ou-ada')).thenThrows(LastOwner);
  });

  it('cancelling an invitation to the owners team needs an owner too', () => {
    const ownerInvite = [...world, invited('ou-new', 'new@acme.io', [OWNERS])];
    org.given(ownerInvite).when(removeMembership(mia, 'ou-new')).thenThrows(OwnerRequired);
    org
      .given(ownerInvite)
      .when(removeMembership(ada, 'ou-new'))
      .then([removed('ou-new', null, 'new@acme.io', 'invitation-cancelled')]);
  });

  it('the system removes a deleted account, even the last owner (the organization is left without owners)', () => {
    org
      .given(world)
      .when(removeMembership(system, 'ou-ada', 'account-deleted'))
      .then([removed('ou-ada', 'user-ada', 'ada@acme.io', 'account-deleted')]);
    org
      .given(world)
      .when(removeMembership(system, 'ou-ada', 'account-deleted'))
      .thenState((s) => expect(activeOwnerIds(s as LiveOrganization)).toEqual([]));
    org
      .given(world)
      .when(removeMembership(ada, 'ou-bob', 'account-deleted'))
      .thenThrows(ActorNotAllowed);
    org
      .given(world)
      .when(removeMembership(orgToken, 'ou-bob', 'account-deleted'))
      .thenThrows(ActorNotAllowed);
    org
      .given(world)
      .when(removeMembership(system, 'ou-nope', 'account-deleted'))
      .thenThrows(MembershipNotFound);
  });

  it('a removed member may be invited again by the same e-mail', () => {
    org
      .given([...world, removed('ou-bob', 'user-bob', 'bob@acme.io', 'removed')])
      .when(invite(ada, { email: 'bob@acme.io', existingUserId: 'user-bob' }))
      .then([
        invited('ou-new', 'bob@acme.io', [], {
          tokenHash: 'hash-new',
          sealedToken: 'sealed-new',
          invitedAt: LATER,
        }),
      ]);
  });
});

describe('team members: add and remove', () => {
  it('adds by membership ids (invited ones included) or by user ids of active members', () => {
    org
      .given(world)
      .when(addMembers(mia, 'team-dev', { membershipIds: ['ou-mia', 'ou-tom', 'ou-mia'] }))
      .then([membersAdded('team-dev', ['ou-mia', 'ou-tom'])]);
    org
      .given(world)
      .when(addMembers(orgToken, 'team-managers', { membershipIds: ['ou-pat'] }))
      .then([membersAdded('team-managers', ['ou-pat'])]);
    org
      .given(world)
      .when(addMembers(ada, 'team-managers', { userIds: ['user-bob'] }))
      .then([membersAdded('team-managers', ['ou-bob'])]);
  });

  it('needs manage-membership and a visible team', () => {
    org
      .given(world)
      .when(addMembers(bob, 'team-dev', { membershipIds: ['ou-mia'] }))
      .thenThrows(TeamNotFound);
    org
      .given(world)
      .when(removeMembers(bob, 'team-dev', { membershipIds: ['ou-bob'] }))
      .thenThrows(TeamNotFound);
    org
      .given(world)
      .when(addMembers(mia, 'team-secret', { membershipIds: ['ou-mia'] }))
      .thenThrows(TeamNotFound);
    org
      .given(world)
      .when(addMembers(mia, 'team-nope', { membershipIds: ['ou-mia'] }))
      .thenThrows(TeamNotFound);
    org
      .given(world)
      .when(addMembers(orgToken, 'team-secret', { membershipIds: ['ou-mia'] }))
      .then([membersAdded('team-secret', ['ou-mia'])]);
  });

  it('takes exactly one of membership ids or user ids, not empty', () => {
    org
      .given(world)
      .when(addMembers(ada, 'team-dev', { membershipIds: ['ou-mia'], userIds: ['user-mia'] }))
      .thenThrows(InvalidTeamMembers, { code: 'TEAM.INVALID_MEMBERS' });
    org
      .given(world)
      .when(addMembers(ada, 'team-dev', {}))
      .thenThrows(InvalidTeamMembers);
    org
      .given(world)
      .when(addMembers(ada, 'team-dev', { userIds: [] }))
      .thenThrows(InvalidTeamMembers);
  });

  it('refuses unknown memberships, users who are not active members, and members already on the team', () => {
    org
      .given(world)
      .when(addMembers(ada, 'team-dev', { membershipIds: ['ou-nope'] }))
      .thenThrows(InvalidTeamMembers);
    org
      .given(world)
      .when(addMembers(ada, 'team-dev', { userIds: ['user-eve'] }))
      .thenThrows(InvalidTeamMembers);
    // pat is only invited: the users variant cannot name her (TFC-API §7: invite first, then add by username).
    org
      .given(world)
      .when(addMembers(ada, 'team-managers', { userIds: ['user-pat'] }))
      .thenThrows(InvalidTeamMembers);
    org
      .given(world)
      .when(addMembers(ada, 'team-dev', { membershipIds: ['ou-mia', 'ou-bob'] }))
      .thenThrows(InvalidTeamMembers, { message: /already a member/ });
  });

  it('removes members who are on the team, and refuses those who are not', () => {
    org
      .given(world)
      .when(removeMembers(mia, 'team-dev', { userIds: ['user-bob'] }))
      .then([{ type: 'TeamMembersRemoved', data: { teamId: 'team-dev', membershipIds: ['ou-bob'] } }]);
    org
      .given(world)
      .when(removeMembers(mia, 'team-dev', { membershipIds: ['ou-bob'] }))
      .thenState((s) =>
        expect((s as LiveOrganization).teams.get('team-dev')!.memberIds.has('ou-bob')).toBe(false),
      );
    org
      .given(world)
      .when(removeMembers(mia, 'team-dev', { membershipIds: ['ou-mia'] }))
      .thenThrows(InvalidTeamMembers, { message: /not a member/ });
  });

  it('changes the owners team only for owners and the organization token', () => {
    for (const actor of [mia, tom, oli]) {
      org
        .given(world)
        .when(
          addMembers(actor, OWNERS, {
            membershipIds: [`ou-${actor.kind === 'user' ? actor.userId.slice(5) : ''}`],
          }),
        )
        .thenThrows(OwnerRequired);
      org
        .given(withSecondOwner)
        .when(removeMembers(actor, OWNERS, { membershipIds: ['ou-bob'] }))
        .thenThrows(OwnerRequired);
    }
    org
      .given(world)
      .when(addMembers(ada, OWNERS, { userIds: ['user-bob'] }))
      .then([membersAdded(OWNERS, ['ou-bob'])]);
    org
      .given(world)
      .when(addMembers(orgToken, OWNERS, { membershipIds: ['ou-pat'] }))
      .then([membersAdded(OWNERS, ['ou-pat'])]);
    // The permissions block agrees.
    const state = live(world);
    const owners = { teamId: OWNERS, isOwners: true, allowMemberTokenManagement: true };
    expect(teamPermissions(callerFacts(state, mia), owners).canUpdateMembership).toBe(false);
    expect(teamPermissions(callerFacts(state, ada), owners).canUpdateMembership).toBe(true);
    expect(teamPermissions(callerFacts(state, orgToken), owners).canUpdateMembership).toBe(true);
  });

  it('never leaves the owners team without an active member', () => {
    org
      .given(world)
      .when(removeMembers(ada, OWNERS, { membershipIds: ['ou-ada'] }))
      .thenThrows(LastOwner);
    org
      .given(withSecondOwner)
      .when(removeMembers(ada, OWNERS, { membershipIds: ['ou-ada', 'ou-bob'] }))
      .thenThrows(LastOwner);
    // An invited member of the owners team does not keep it alive.
    org
      .given([...world, invited('ou-new', 'new@acme.io', [OWNERS])])
      .when(removeMembers(orgToken, OWNERS, { membershipIds: ['ou-ada'] }))
      .thenThrows(LastOwner);
    org
      .given(withSecondOwner)
      .when(removeMembers(ada, OWNERS, { userIds: ['user-ada'] }))
      .then([{ type: 'TeamMembersRemoved', data: { teamId: OWNERS, membershipIds: ['ou-ada'] } }]);
  });
});

describe('two-factor policy (two_factor_mandatory)', () => {
  const policyOn: OrganizationEvent = {
    type: 'OrganizationUpdated',
    data: { settings: { collaboratorAuthPolicy: 'two_factor_mandatory' } },
  };
  const locked = [...world, policyOn];
  const with2fa = (actor: Actor): Actor => ({ ...actor, twoFactor: true }) as Actor;
  const LOCKED = { code: 'ORGANIZATION.TWO_FACTOR_REQUIRED', details: { organization: 'acme' } };
  const plain = teamCreated('team-new', 'new');
  const newTeam = { ...plain, data: { ...plain.data, createdAt: LATER } } as OrganizationEvent;

  it('locks members without 2FA out of every command on the organization, with a 403 naming it', () => {
    org.given(locked).when(createTeam(tom)).thenThrows(TwoFactorRequired, LOCKED);
    org.given(locked).when(invite(mia)).thenThrows(TwoFactorRequired, LOCKED);
    org
      .given(locked)
      .when(updateTeam(tom, 'team-dev', { name: 'devs' }))
      .thenThrows(TwoFactorRequired);
    org
      .given(locked)
      .when(addMembers(mia, 'team-dev', { membershipIds: ['ou-mia'] }))
      .thenThrows(TwoFactorRequired);
    org.given(locked).when(removeMembership(mia, 'ou-bob')).thenThrows(TwoFactorRequired);
    // Explicitly without 2FA is the same as unknown.
    org
      .given(locked)
      .when(createTeam({ ...tom, twoFactor: false } as Actor))
      .thenThrows(TwoFactorRequired);
  });

  it('lets them back once they have 2FA: the same commands succeed', () => {
    org
      .given(locked)
      .when(createTeam(with2fa(tom)))
      .then([newTeam]);
    org
      .given(locked)
      .when(removeMembership(with2fa(mia), 'ou-bob'))
      .then([removed('ou-bob', 'user-bob', 'bob@acme.io', 'removed')]);
  });

  it('locks out an owner who has lost 2FA too (they re-enable it to lift the policy); with 2FA they can', () => {
    const relax = { settings: { collaboratorAuthPolicy: 'password' } };
    org.given(locked).when(updateOrg(ada, relax)).thenThrows(TwoFactorRequired);
    org.given(locked).when(deleteOrg(ada)).thenThrows(TwoFactorRequired);
    org
      .given(locked)
      .when(updateOrg(with2fa(ada), relax))
      .then([{ type: 'OrganizationUpdated', data: { settings: { collaboratorAuthPolicy: 'password' } } }]);
  });

  it('still lets a locked-out member leave, and an invitee accept (they are locked out until they enable 2FA)', () => {
    org
      .given(locked)
      .when(removeMembership(bob, 'ou-bob'))
      .then([removed('ou-bob', 'user-bob', 'bob@acme.io', 'left')]);
    org
      .given(locked)
      .when(acceptByLink('user-pat', 'pat@acme.io', 'hash-ou-pat'))
      .then([
        {
          type: 'InvitationAccepted',
          data: {
            membershipId: 'ou-pat',
            userId: 'user-pat',
            email: 'Pat@Acme.io',
            via: 'link',
            acceptedAt: LATER,
          },
        },
      ]);
    // The last owner still cannot leave, locked out or not.
    org.given(locked).when(removeMembership(ada, 'ou-ada')).thenThrows(LastOwner);
  });

  it('does not apply to the organization token, team tokens, the system, or the same members when the policy is off', () => {
    org.given(locked).when(createTeam(orgToken)).then([newTeam]);
    // The owners team's token acts as an owner; it is nobody's account, so the policy does not apply.
    org
      .given(locked)
      .when(createTeam({ kind: 'team', teamId: OWNERS }))
      .then([newTeam]);
    org
      .given(locked)
      .when(removeMembership(system, 'ou-bob', 'account-deleted'))
      .then([removed('ou-bob', 'user-bob', 'bob@acme.io', 'account-deleted')]);
    org.given(world).when(createTeam(tom)).then([newTeam]);
    // Outsiders learn nothing: still OrganizationNotFound, not the 403.
    org.given(locked).when(createTeam(eve)).thenThrows(OrganizationNotFound);
    org.given(locked).when(createTeam(otherOrgToken)).thenThrows(OrganizationNotFound);
  });

  it('lockedOutByTwoFactor: members only, policy on, 2FA absent or false', () => {
    const facts = callerFacts(live(locked), bob);
    expect(lockedOutByTwoFactor('two_factor_mandatory', facts, undefined)).toBe(true);
    expect(lockedOutByTwoFactor('two_factor_mandatory', facts, false)).toBe(true);
    expect(lockedOutByTwoFactor('two_factor_mandatory', facts, true)).toBe(false);
    expect(lockedOutByTwoFactor('password', facts, false)).toBe(false);
    for (const other of [{ kind: 'organization-token' }, { kind: 'system' }, { kind: 'outsider' }] as const)
      expect(lockedOutByTwoFactor('two_factor_mandatory', other, false)).toBe(false);
  });
});

describe('token TTL policies (TFC-API §5.4, ADR 012)', () => {
  const DAY = 24 * 60 * 60 * 1000;
  const setPolicies = (
    actor: Actor,
    policies: Array<{ tokenType: TokenTtlType; maxTtlMs: number }>,
    now = LATER,
  ) => ({ type: 'SetTokenTtlPolicies', data: { actor, policies, now } }) satisfies OrganizationCommand;
  const policiesSet = (policies: TokenTtlPolicy[]): OrganizationEvent => ({
    type: 'OrganizationTokenTtlPoliciesSet',
    data: { policies },
  });
  const userPolicy: TokenTtlPolicy = {
    tokenType: 'user',
    maxTtlMs: 30 * DAY,
    createdAt: NOW,
    updatedAt: NOW,
  };
  const bounded = [...world, policiesSet([userPolicy])];
  /** A user acting through a user token created at NOW that lives `lifetimeMs` (null: never expires). */
  const viaToken = (actor: Actor, lifetimeMs: number | null): Actor =>
    ({
      ...actor,
      userToken: {
        createdAt: NOW,
        expiredAt: lifetimeMs === null ? null : new Date(Date.parse(NOW) + lifetimeMs).toISOString(),
      },
    }) as Actor;
  const EXCEEDED = {
    code: 'ORGANIZATION.TOKEN_TTL_EXCEEDED',
    details: { organization: 'acme', maxTtlMs: 30 * DAY },
  };
  const plain = teamCreated('team-new', 'new');
  const newTeam = { ...plain, data: { ...plain.data, createdAt: LATER } } as OrganizationEvent;

  it('owners set them; the event carries the whole set, in TOKEN_TTL_TYPES order', () => {
    org
      .given(world)
      .when(setPolicies(ada, [{ tokenType: 'user', maxTtlMs: 30 * DAY }], NOW))
      .then([policiesSet([userPolicy])]);
    org
      .given(bounded)
      .when(
        setPolicies(ada, [
          { tokenType: 'metrics', maxTtlMs: DAY },
          { tokenType: 'team', maxTtlMs: 7 * DAY },
        ]),
      )
      .then([
        policiesSet([
          { tokenType: 'team', maxTtlMs: 7 * DAY, createdAt: LATER, updatedAt: LATER },
          userPolicy, // not listed: kept as it was
          { tokenType: 'metrics', maxTtlMs: DAY, createdAt: LATER, updatedAt: LATER },
        ]),
      ]);
    // Changing a type's maximum keeps its creation; loosening is allowed (there is no deletion).
    org
      .given(bounded)
      .when(setPolicies(ada, [{ tokenType: 'user', maxTtlMs: 60 * DAY }]))
      .then([policiesSet([{ ...userPolicy, maxTtlMs: 60 * DAY, updatedAt: LATER }])]);
    // The same maxima again: nothing to record.
    org
      .given(bounded)
      .when(setPolicies(ada, [{ tokenType: 'user', maxTtlMs: 30 * DAY }]))
      .then([]);
    expect(live(bounded).tokenTtlPolicies).toEqual([userPolicy]);
    expect(live(world).tokenTtlPolicies).toEqual([]);
  });

  it("owners only: the owners team's token and the system may; a member who is not an owner is told 403; anyone else 404", () => {
    org
      .given(world)
      .when(setPolicies({ kind: 'team', teamId: OWNERS }, [{ tokenType: 'user', maxTtlMs: 30 * DAY }], NOW))
      .then([policiesSet([userPolicy])]);
    org
      .given(world)
      .when(setPolicies(system, [{ tokenType: 'user', maxTtlMs: 30 * DAY }], NOW))
      .then([policiesSet([userPolicy])]);
    for (const nonOwner of [bob, mia, tom, oli])
      org
        .given(world)
        .when(setPolicies(nonOwner, [{ tokenType: 'user', maxTtlMs: DAY }]))
        .thenThrows(TokenTtlPoliciesOwnersOnly, { code: 'ORGANIZATION.OWNER_REQUIRED_FORBIDDEN' });
    // The organization token may not change the organization's settings either (TFC-API §5.3): 404, as a team
    // token that is not the owners team's, an outsider, another organization's token.
    for (const other of [orgToken, { kind: 'team', teamId: 'team-access' } as Actor, eve, otherOrgToken])
      org
        .given(world)
        .when(setPolicies(other, [{ tokenType: 'user', maxTtlMs: DAY }]))
        .thenThrows(OrganizationNotFound);
    org
      .given([...world, orgDeleted])
      .when(setPolicies(ada, [{ tokenType: 'user', maxTtlMs: DAY }]))
      .thenThrows(OrganizationNotFound);
    expect(() => checkMayManageTokenTtlPolicies(callerFacts(live(world), bob))).toThrow(
      TokenTtlPoliciesOwnersOnly,
    );
    expect(() => checkMayManageTokenTtlPolicies(callerFacts(live(world), ada))).not.toThrow();
  });

  it("refuses a member's user token living longer than the `user` maximum (or forever), with a 403 naming it", () => {
    org
      .given(bounded)
      .when(createTeam(viaToken(tom, 30 * DAY + 1)))
      .thenThrows(TokenTtlExceeded, EXCEEDED);
    org
      .given(bounded)
      .when(createTeam(viaToken(tom, null)))
      .thenThrows(TokenTtlExceeded, EXCEEDED);
    org
      .given(bounded)
      .when(invite(viaToken(mia, 31 * DAY)))
      .thenThrows(TokenTtlExceeded);
    org
      .given(bounded)
      .when(removeMembership(viaToken(mia, null), 'ou-bob'))
      .thenThrows(TokenTtlExceeded);
    // Owners too, even to loosen the policy: they use a session (or a shorter token) for that.
    org
      .given(bounded)
      .when(setPolicies(viaToken(ada, null), [{ tokenType: 'user', maxTtlMs: 60 * DAY }]))
      .thenThrows(TokenTtlExceeded);
    expect(new TokenTtlExceeded('acme', 30 * DAY).message).toMatch(
      /acme accepts user tokens that live at most 30 days .*shorter expiry, or a session/,
    );
    expect(describeDuration(36 * 60 * 60 * 1000 + 60_000)).toBe('1 day 12 hours 1 minute');
    expect(describeDuration(1500)).toBe('1 second 500 ms');
  });

  it('lets a token within the maximum, a session, and everyone where no `user` policy exists act as before', () => {
    org
      .given(bounded)
      .when(createTeam(viaToken(tom, 30 * DAY)))
      .then([newTeam]);
    org.given(bounded).when(createTeam(tom)).then([newTeam]);
    org
      .given(world)
      .when(createTeam(viaToken(tom, null)))
      .then([newTeam]);
    org
      .given([...world, policiesSet([{ ...userPolicy, tokenType: 'team' }])])
      .when(createTeam(viaToken(tom, null)))
      .then([newTeam]);
    // Team and organization tokens are the token service's to bound, not members: no lock here.
    org.given(bounded).when(createTeam(orgToken)).then([newTeam]);
  });

  it('keeps the exemptions of the lock-out: leaving, accepting an invitation; outsiders still get the 404', () => {
    org
      .given(bounded)
      .when(removeMembership(viaToken(bob, null), 'ou-bob'))
      .then([removed('ou-bob', 'user-bob', 'bob@acme.io', 'left')]);
    org
      .given(bounded)
      .when({
        type: 'AcceptInvitation',
        data: {
          actor: viaToken(user('user-pat'), null),
          via: 'link',
          tokenHash: 'hash-ou-pat',
          userId: 'user-pat',
          userEmail: 'pat@acme.io',
          now: LATER,
        },
      })
      .then([
        {
          type: 'InvitationAccepted',
          data: {
            membershipId: 'ou-pat',
            userId: 'user-pat',
            email: 'Pat@Acme.io',
            via: 'link',
            acceptedAt: LATER,
          },
        },
      ]);
    org
      .given(bounded)
      .when(createTeam(viaToken(eve, null)))
      .thenThrows(OrganizationNotFound);
  });

  it('2FA comes first when both lock a member out', () => {
    const both = [
      ...bounded,
      {
        type: 'OrganizationUpdated',
        data: { settings: { collaboratorAuthPolicy: 'two_factor_mandatory' } },
      } as OrganizationEvent,
    ];
    org
      .given(both)
      .when(createTeam(viaToken(tom, null)))
      .thenThrows(TwoFactorRequired);
    org
      .given(both)
      .when(createTeam({ ...viaToken(tom, null), twoFactor: true } as Actor))
      .thenThrows(TokenTtlExceeded);
  });

  it('userTokenMaxExceeded: members acting through a user token only; lifetime expiredAt − createdAt', () => {
    const facts = callerFacts(live(bounded), bob);
    const token = (expiredAt: string | null) => ({ createdAt: NOW, expiredAt });
    expect(userTokenMaxExceeded([userPolicy], facts, token(null))).toBe(30 * DAY);
    expect(userTokenMaxExceeded([userPolicy], facts, token('2026-12-26T10:00:00.001Z'))).toBe(30 * DAY);
    expect(userTokenMaxExceeded([userPolicy], facts, token('2026-12-26T10:00:00.000Z'))).toBeUndefined();
    expect(userTokenMaxExceeded([userPolicy], facts, token('garbage'))).toBe(30 * DAY); // fail closed
    expect(userTokenMaxExceeded([userPolicy], facts, undefined)).toBeUndefined(); // a session
    expect(userTokenMaxExceeded([], facts, token(null))).toBeUndefined();
    for (const other of [{ kind: 'organization-token' }, { kind: 'system' }, { kind: 'outsider' }] as const)
      expect(userTokenMaxExceeded([userPolicy], other, token(null))).toBeUndefined();
  });
});

describe('validators', () => {
  it('keep names as typed (trimmed), e-mails with the domain lower-cased', () => {
    expect(normalizeOrganizationName(' Acme_Corp-1 ')).toBe('Acme_Corp-1');
    expect(() => normalizeOrganizationName(42)).toThrow(InvalidOrganizationAttribute);
    expect(parseOrganizationEmail(' Ops@ACME.io ')).toBe('Ops@acme.io');
    expect(() => parseInvitationEmail('x@y')).toThrow(InvalidInvitation);
  });
});

describe('organization: folding a large organization', () => {
  it('folds 20,000 events (10,000 invitations and their acceptances) quickly', () => {
    const events: OrganizationEvent[] = [created];
    for (let i = 0; i < 10_000; i++)
      events.push(
        invited(`ou-${i}`, `user${i}@acme.io`, i % 10 === 0 ? [OWNERS] : [], { tokenHash: `h-${i}` }),
      );
    for (let i = 0; i < 10_000; i++) events.push(accepted(`ou-${i}`, `user-${i}`, `user${i}@acme.io`));
    const started = performance.now();
    const state = fold(organizationDecider, events) as LiveOrganization;
    const elapsed = performance.now() - started;
    expect(state.memberships.size).toBe(10_001);
    expect(state.byUser.size).toBe(10_001);
    expect(activeOwnerIds(state)).toHaveLength(1_001);
    expect(elapsed).toBeLessThan(2_000);
    // And deciding on it stays cheap.
    const decided = performance.now();
    expect(organizationDecider.decide(removeMembership(ada, 'ou-5'), state)).toHaveLength(1);
    expect(performance.now() - decided).toBeLessThan(200);
  });
});

describe('state is never shared between folds', () => {
  it('evolving does not change an earlier state (the state cache may keep it)', () => {
    const before: OrganizationState = fold(organizationDecider, world);
    const snapshot = JSON.stringify((before as LiveOrganization).teams.toJS());
    organizationDecider.evolve(before, membersAdded('team-dev', ['ou-mia']));
    organizationDecider.evolve(before, removed('ou-bob', 'user-bob', 'bob@acme.io', 'removed'));
    expect(JSON.stringify((before as LiveOrganization).teams.toJS())).toBe(snapshot);
  });
});
