import {
  ORGANIZATION_ACCESS_FLAGS,
  type OrganizationAccess,
  type OrganizationPermissions,
  type TeamPermissions,
  type TeamVisibility,
} from '@idp/contracts';

/**
 * Who the caller is in one organization, as far as authorization cares. Built from the aggregate's state by the
 * decider and from the read models by queries, then judged by the same pure functions below, so a list and a
 * command can never disagree about what a caller may do.
 */
export type CallerFacts =
  | { kind: 'outsider' }
  | {
      kind: 'member';
      userId: string;
      membershipId: string;
      isOwner: boolean;
      /** Union of the organization-access flags of the teams the caller is an active member of. */
      access: OrganizationAccess;
      /** Teams the caller is on. */
      teamIds: ReadonlySet<string>;
    }
  /** The organization's own token (TFC-API §5.3): manages teams, memberships and invitations, not the organization. */
  | { kind: 'organization-token' }
  /**
   * A team's token (TFC-API §5.1), in the team's own organization: it acts with the team's organization access; the
   * owners team's token acts as an owner. It is nobody's membership (no user, no teams of its own to leave).
   */
  | { kind: 'team-token'; teamId: string; isOwner: boolean; access: OrganizationAccess }
  /** Process managers acting on the service's own behalf. */
  | { kind: 'system' };

export const NO_ACCESS: OrganizationAccess = Object.fromEntries(
  ORGANIZATION_ACCESS_FLAGS.map((f) => [f, false]),
) as OrganizationAccess;

export const FULL_ACCESS: OrganizationAccess = Object.fromEntries(
  ORGANIZATION_ACCESS_FLAGS.map((f) => [f, true]),
) as OrganizationAccess;

/** The union of several teams' flags. */
export const unionAccess = (accesses: Iterable<OrganizationAccess>): OrganizationAccess => {
  const out = { ...NO_ACCESS };
  for (const access of accesses) for (const f of ORGANIZATION_ACCESS_FLAGS) if (access[f]) out[f] = true;
  return out;
};

const isOwner = (c: CallerFacts) => (c.kind === 'member' || c.kind === 'team-token') && c.isOwner;
const has = (c: CallerFacts, flag: keyof OrganizationAccess) =>
  (c.kind === 'member' || c.kind === 'team-token') && (c.isOwner || c.access[flag]);

/** May see the organization at all (members and its token). Everything else answers 404. */
export const canView = (c: CallerFacts): boolean => c.kind !== 'outsider';

/** Invite, cancel invitations, remove members, list memberships, add/remove team members. */
export const canManageMembership = (c: CallerFacts): boolean =>
  c.kind === 'organization-token' ||
  c.kind === 'system' ||
  has(c, 'manageMembership') ||
  has(c, 'manageTeams') ||
  has(c, 'manageOrganizationAccess');

/** Create, rename, delete teams and change their visibility and token settings. */
export const canManageTeams = (c: CallerFacts): boolean =>
  c.kind === 'organization-token' ||
  c.kind === 'system' ||
  has(c, 'manageTeams') ||
  has(c, 'manageOrganizationAccess');

/** Change a team's organization-access flags. */
export const canManageOrganizationAccess = (c: CallerFacts): boolean =>
  c.kind === 'organization-token' || c.kind === 'system' || has(c, 'manageOrganizationAccess');

/** Update the organization's settings, delete it, set its 2FA policy: owners only. */
export const canAdministerOrganization = (c: CallerFacts): boolean => isOwner(c) || c.kind === 'system';

/**
 * Change who is on the owners team (add, remove, invite to it, remove an owner's membership): owners, the
 * organization token and the system only, so a manage-membership holder cannot make anyone an owner.
 */
export const canChangeOwners = (c: CallerFacts): boolean =>
  isOwner(c) || c.kind === 'organization-token' || c.kind === 'system';

/** See every secret team. */
export const canSeeSecretTeams = (c: CallerFacts): boolean =>
  c.kind === 'organization-token' || c.kind === 'system' || has(c, 'accessSecretTeams');

/** A team is visible to members when its visibility is `organization`, to its own members, and to the above. */
export const canSeeTeam = (c: CallerFacts, team: { teamId: string; visibility: TeamVisibility }): boolean => {
  if (!canView(c)) return false;
  if (team.visibility === 'organization' || canSeeSecretTeams(c)) return true;
  return (
    (c.kind === 'member' && c.teamIds.has(team.teamId)) ||
    (c.kind === 'team-token' && c.teamId === team.teamId)
  );
};

/** The organization `permissions` block for this caller. */
export const organizationPermissions = (c: CallerFacts): OrganizationPermissions => {
  const admin = canAdministerOrganization(c) && c.kind !== 'system';
  return {
    canUpdate: admin,
    canDestroy: admin,
    canCreateTeam: canManageTeams(c),
    canAccessViaTeams: c.kind === 'member',
    canManageUsers: canManageMembership(c),
    canViewUsers: canManageMembership(c),
    canUpdateApiToken: admin || c.kind === 'organization-token',
    canManageSso: admin,
    canTraverse: canView(c),
  };
};

/** A team's `permissions` block for this caller. The owners team's name, access and existence are fixed. */
export const teamPermissions = (
  c: CallerFacts,
  team: { teamId: string; isOwners: boolean; allowMemberTokenManagement: boolean },
): TeamPermissions => {
  const manage = canManageTeams(c);
  const tokens =
    manage ||
    isOwner(c) ||
    (team.allowMemberTokenManagement && c.kind === 'member' && c.teamIds.has(team.teamId));
  return {
    canDestroy: manage && !team.isOwners,
    canUpdateMembership: canManageMembership(c) && (!team.isOwners || canChangeOwners(c)),
    canUpdateOrganizationAccess: canManageOrganizationAccess(c) && !team.isOwners,
    canUpdateApiToken: tokens,
    canUpdateVisibility: manage,
    canUpdateName: manage && !team.isOwners,
    canUpdateSsoTeamId: manage,
    canUpdateMemberTokenManagement: manage,
    canViewApiToken: tokens,
  };
};

/**
 * Dependency rules between organization-access flags (TFC-API §8.1): the first unmet one as a message, or
 * undefined when the flags are consistent.
 */
export const accessDependencyViolation = (a: OrganizationAccess): string | undefined => {
  if (a.manageProjects && !a.manageWorkspaces) return 'manage-projects requires manage-workspaces';
  if (a.readProjects && !a.readWorkspaces) return 'read-projects requires read-workspaces';
  if (a.manageTeams && !a.manageMembership) return 'manage-teams requires manage-membership';
  if (a.manageOrganizationAccess && !(a.manageTeams && a.manageMembership))
    return 'manage-organization-access requires manage-teams and manage-membership';
  return undefined;
};
