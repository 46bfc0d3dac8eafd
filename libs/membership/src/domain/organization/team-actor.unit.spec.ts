import type { OrganizationSettings } from '@idp/contracts';
import { fold } from '@idp/eventing';
import { spec } from '@idp/eventing/testing';
import { ActorNotAllowed, OrganizationNotFound, TeamNotFound } from './errors';
import { callerFacts, organizationDecider } from './organization.decider';
import type { Actor, LiveOrganization, OrganizationEvent, TeamAttributes } from './organization.types';
import {
  canAdministerOrganization,
  NO_ACCESS,
  organizationPermissions,
  teamPermissions,
} from './permissions';

/**
 * A team token (TFC-API §5.1) acts as its team: with the team's organization access, in its own organization only;
 * the owners team's token acts as an owner. It is no user: it cannot create organizations.
 */
const NOW = '2026-11-26T10:00:00.000Z';
const ORG = 'org-1';
const OWNERS = 'team-owners';
const SETTINGS = {
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
} as OrganizationSettings;

const team = (teamId: string): Actor => ({ kind: 'team', teamId });
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
const world: OrganizationEvent[] = [
  {
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
  },
  teamCreated('team-dev', 'dev'),
  teamCreated('team-admins', 'admins', {
    organizationAccess: { ...NO_ACCESS, manageMembership: true, manageTeams: true },
  }),
  teamCreated('team-secret', 'hidden', { visibility: 'secret' }),
  teamCreated('team-doomed', 'doomed'),
];
const org = spec(organizationDecider);
const live = fold(organizationDecider, world) as LiveOrganization;
const deleteTeam = (actor: Actor, teamId: string) => ({
  type: 'DeleteTeam' as const,
  data: { actor, teamId },
});

describe('a team token as an actor (membership)', () => {
  it('acts with its team organization access: a manage-teams team token deletes a team', () => {
    org
      .given(world)
      .when(deleteTeam(team('team-admins'), 'team-doomed'))
      .then([{ type: 'TeamDeleted', data: { teamId: 'team-doomed', name: 'doomed' } }]);
  });

  it('without the access it cannot (404, as for any caller without the permission)', () => {
    org
      .given(world)
      .when(deleteTeam(team('team-dev'), 'team-doomed'))
      .thenThrows(TeamNotFound);
  });

  it('the owners team token acts as an owner', () => {
    org
      .given(world)
      .when(deleteTeam(team(OWNERS), 'team-doomed'))
      .then([{ type: 'TeamDeleted', data: { teamId: 'team-doomed', name: 'doomed' } }]);
    expect(canAdministerOrganization(callerFacts(live, team(OWNERS)))).toBe(true);
    expect(organizationPermissions(callerFacts(live, team(OWNERS))).canUpdateApiToken).toBe(true);
    expect(canAdministerOrganization(callerFacts(live, team('team-admins')))).toBe(false);
  });

  it('a token of a team that is not in this organization is an outsider: 404', () => {
    expect(callerFacts(live, team('team-elsewhere'))).toEqual({ kind: 'outsider' });
    org
      .given(world)
      .when(deleteTeam(team('team-elsewhere'), 'team-doomed'))
      .thenThrows(OrganizationNotFound);
  });

  it('sees its own team even when secret, and not other secret teams', () => {
    const facts = callerFacts(live, team('team-dev'));
    expect(facts).toEqual({ kind: 'team-token', teamId: 'team-dev', isOwner: false, access: NO_ACCESS });
    org
      .given(world)
      .when(deleteTeam(team('team-dev'), 'team-secret'))
      .thenThrows(TeamNotFound);
  });

  it('cannot create an organization', () => {
    org
      .given([])
      .when({
        type: 'CreateOrganization',
        data: {
          actor: team('team-dev'),
          organizationId: 'org-2',
          name: 'new',
          email: 'x@acme.io',
          settings: SETTINGS,
          ownersTeamId: 'team-o2',
          membershipId: 'ou-x',
          userEmail: 'x@acme.io',
          now: NOW,
        },
      })
      .thenThrows(ActorNotAllowed);
  });

  it('may manage team tokens only with manage-teams or as the owners team (not as a member of its team)', () => {
    const tokenRights = (actor: Actor, teamId: string) =>
      teamPermissions(callerFacts(live, actor), {
        teamId,
        isOwners: teamId === OWNERS,
        allowMemberTokenManagement: true,
      }).canUpdateApiToken;
    expect(tokenRights(team('team-admins'), 'team-dev')).toBe(true);
    expect(tokenRights(team(OWNERS), 'team-dev')).toBe(true);
    expect(tokenRights(team('team-dev'), 'team-dev')).toBe(false);
  });
});
