import {
  type EntitlementsView,
  type InvitationView,
  type MemberUserView,
  type MembershipInclude,
  type MembershipIncluded,
  type MembershipList,
  type MembershipView,
  ORGANIZATION_ACCESS_FLAGS,
  type OrganizationView,
  type TeamView,
} from '@idp/contracts';
import { createHash } from 'node:crypto';
import { API_PREFIX } from '../http/json-api-controller';
import { listDocument } from '../jsonapi/document';
import { kebabCase } from '../jsonapi/keys';
import { paginate, type PageRequest } from '../jsonapi/pagination';
import type { RequestUrl } from '../jsonapi/request-url';
import { linksOnly, resource, type ResourceObject, toMany, toOne } from '../jsonapi/resource';
import { toTimestamp } from '../jsonapi/timestamp';
import { userPath } from './user-resource';

const segment = encodeURIComponent;
export const organizationPath = (name: string): string => `/${API_PREFIX}/organizations/${segment(name)}`;
export const teamPath = (id: string): string => `/${API_PREFIX}/teams/${segment(id)}`;
export const membershipPath = (id: string): string =>
  `/${API_PREFIX}/organization-memberships/${segment(id)}`;
export const entitlementSetPath = (id: string): string => `/${API_PREFIX}/entitlement-sets/${segment(id)}`;

/**
 * The organization `permissions` block (TFC-API §6.2): every key go-tfe parses, plus the documented extras the
 * view answers. What the view decides is taken as is. The keys about things this product does not have
 * (workspaces, projects, run tasks, policies, no-code modules, stacks, audit trails) follow `canUpdate`: TFC says
 * owners hold every permission, and a client that probes `can-create-workspace` to tell an owner sees the same
 * picture as on TFC; no one else holds them. HYOK is not a feature here: its two keys are always false.
 */
export const organizationPermissions = (view: OrganizationView) => {
  const p = view.permissions;
  const owner = p.canUpdate;
  return {
    canCreateTeam: p.canCreateTeam,
    canCreateWorkspace: owner,
    canCreateWorkspaceMigration: owner,
    canDeployNoCodeModules: owner,
    canDestroy: p.canDestroy,
    canManageAuditing: owner,
    canManageNoCodeModules: owner,
    canManageRunTasks: owner,
    canTraverse: p.canTraverse,
    canUpdate: p.canUpdate,
    canUpdateApiToken: p.canUpdateApiToken,
    canUpdateOauth: owner,
    canUpdateSentinel: owner,
    canUpdateHyokConfiguration: false,
    canViewHyokFeatureInfo: false,
    canEnableStacks: owner,
    canCreateProject: owner,
    // documented extras the view answers
    canAccessViaTeams: p.canAccessViaTeams,
    canManageUsers: p.canManageUsers,
    canViewUsers: p.canViewUsers,
    canManageSso: p.canManageSso,
  };
};

/**
 * An organization (TFC-API §6.2, go-tfe `Organization`): `id` = name, `external-id` = `org-…`, the settings,
 * TFE-like plan fields (self-hosted: an enterprise plan that never expires), `permissions` for the caller.
 * Relationships: `entitlement-set` (data + link), `authentication-token`, `oauth-tokens`, `subscription` (links).
 */
export const organizationResource = (view: OrganizationView): ResourceObject<'organizations'> => {
  const s = view.settings;
  const self = organizationPath(view.name);
  return resource(
    'organizations',
    view.name,
    {
      name: view.name,
      externalId: view.id,
      createdAt: toTimestamp(view.createdAt),
      email: view.email,
      sessionTimeout: s.sessionTimeout,
      sessionRemember: s.sessionRemember,
      collaboratorAuthPolicy: s.collaboratorAuthPolicy,
      ownersTeamSamlRoleId: s.ownersTeamSamlRoleId,
      costEstimationEnabled: s.costEstimationEnabled,
      sendPassingStatusesForUntriggeredSpeculativePlans: s.sendPassingStatusesForUntriggeredSpeculativePlans,
      aggregatedCommitStatusEnabled: s.aggregatedCommitStatusEnabled,
      speculativePlanManagementEnabled: s.speculativePlanManagementEnabled,
      assessmentsEnforced: s.assessmentsEnforced,
      allowForceDeleteWorkspaces: s.allowForceDeleteWorkspaces,
      defaultExecutionMode: s.defaultExecutionMode,
      stacksEnabled: s.stacksEnabled,
      userTokensEnabled: s.userTokensEnabled,
      maxTtlEnabled: s.maxTtlEnabled,
      twoFactorConformant: view.twoFactorConformant,
      samlEnabled: false,
      isUnified: false,
      enforceHyok: false,
      planExpired: false,
      planExpiresAt: null,
      planIsTrial: false,
      planIsEnterprise: true,
      planIdentifier: 'enterprise',
      trialExpiresAt: null,
      permissions: organizationPermissions(view),
    },
    {
      relationships: {
        entitlementSet: toOne('entitlement-sets', view.id, { related: `${self}/entitlement-set` }),
        authenticationToken: linksOnly({ related: `${self}/authentication-token` }),
        oauthTokens: linksOnly({ related: `${self}/oauth-tokens` }),
        subscription: linksOnly({ related: `${self}/subscription` }),
      },
      links: { self },
    },
  );
};

/** Every flag of TFC-API §6.3 (go-tfe's included): false unless the service says otherwise. */
const ENTITLEMENT_FEATURES = [
  'agents',
  'audit-logging',
  'configuration-designer',
  'cost-estimation',
  'global-run-tasks',
  'module-tests-generation',
  'operations',
  'policy-enforcement',
  'private-module-registry',
  'private-policy-agents',
  'private-run-tasks',
  'private-vcs',
  'run-tasks',
  'self-serve-billing',
  'sentinel',
  'sso',
  'state-storage',
  'teams',
  'usage-reporting',
  'vcs-integrations',
  'waypoint-actions',
  'waypoint-templates-and-addons',
  'infragraph',
  'infragraph-with-nrtu',
] as const;

/** Every limit of TFC-API §6.3: null (no limit) unless the service says otherwise. */
const ENTITLEMENT_LIMITS = [
  'user-limit',
  'policy-limit',
  'policy-set-limit',
  'policy-mandatory-enforcement-limit',
  'run-task-limit',
  'run-task-mandatory-enforcement-limit',
  'run-task-workspace-limit',
  'versioned-policy-set-limit',
] as const;

/**
 * An organization's entitlement set (TFC-API §6.3): `id` = the organization's `org-…` id; every documented flag
 * (boolean) and limit (integer or null), the service's values over the defaults (keys in camelCase or kebab-case).
 */
export const entitlementSetResource = (view: EntitlementsView): ResourceObject<'entitlement-sets'> => {
  const attributes: Record<string, boolean | number | null> = {};
  for (const f of ENTITLEMENT_FEATURES) attributes[f] = false;
  for (const l of ENTITLEMENT_LIMITS) attributes[l] = null;
  for (const [key, value] of Object.entries(view.features))
    if (typeof value === 'boolean') attributes[kebabCase(key)] = value;
  for (const [key, value] of Object.entries(view.limits))
    if (value === null || (typeof value === 'number' && Number.isSafeInteger(value)))
      attributes[kebabCase(key)] = value;
  return resource('entitlement-sets', view.id, attributes, { links: { self: entitlementSetPath(view.id) } });
};

/**
 * An organization membership (TFC-API §7): `status`, `email`, `created-at`, `is-org-two-factor-required`;
 * relationships `user` (`data: null` while invited), `organization` (id = name), `teams` (those the caller may
 * see). `meta.caller-is-owner` marks the organizations the caller owns (the caller's own list shows where they
 * are an owner; TFC documents no attribute for it, and clients ignore `meta`).
 */
export const membershipResource = (view: MembershipView): ResourceObject<'organization-memberships'> =>
  resource(
    'organization-memberships',
    view.id,
    {
      status: view.status,
      email: view.email,
      createdAt: toTimestamp(view.createdAt),
      isOrgTwoFactorRequired: view.isOrgTwoFactorRequired,
    },
    {
      relationships: {
        user: toOne('users', view.userId, view.userId ? { related: userPath(view.userId) } : undefined),
        organization: toOne('organizations', view.organizationName, {
          related: organizationPath(view.organizationName),
        }),
        teams: toMany('teams', view.teamIds),
      },
      links: { self: membershipPath(view.id) },
      meta: { 'caller-is-owner': view.isOwner },
    },
  );

/**
 * A member as a side-loaded `users` resource (go-tfe `User`): `username`, `avatar-url`, `is-service-account`,
 * `two-factor`, and `email` when the service shows it to this caller (membership managers: the tfe provider
 * matches members by it, TFC-API §7).
 */
export const memberUserResource = (view: MemberUserView): ResourceObject<'users'> =>
  resource(
    'users',
    view.id,
    {
      username: view.username,
      ...(view.email !== null ? { email: view.email } : {}),
      avatarUrl: view.avatarUrl,
      isServiceAccount: view.isServiceAccount,
      authMethod: 'tfc',
      v2Only: true,
      twoFactor: { enabled: view.twoFactor.enabled, verified: view.twoFactor.verified },
    },
    { links: { self: userPath(view.id) } },
  );

/**
 * A team (TFC-API §8.1): `users-count` counts active users; `organization-access` carries every flag and
 * `permissions` every key of the view; `is-unified` false. Relationships `users` (active user ids),
 * `organization-memberships` (invited ones too), `organization`, and the token links.
 */
export const teamResource = (view: TeamView): ResourceObject<'teams'> => {
  const self = teamPath(view.id);
  const p = view.permissions;
  return resource(
    'teams',
    view.id,
    {
      name: view.name,
      visibility: view.visibility,
      ssoTeamId: view.ssoTeamId,
      usersCount: view.userIds.length,
      allowMemberTokenManagement: view.allowMemberTokenManagement,
      organizationAccess: Object.fromEntries(
        ORGANIZATION_ACCESS_FLAGS.map((f) => [f, view.organizationAccess[f] === true]),
      ),
      permissions: {
        canDestroy: p.canDestroy,
        canUpdateMembership: p.canUpdateMembership,
        canUpdateOrganizationAccess: p.canUpdateOrganizationAccess,
        canUpdateApiToken: p.canUpdateApiToken,
        canUpdateVisibility: p.canUpdateVisibility,
        canUpdateName: p.canUpdateName,
        canUpdateSsoTeamId: p.canUpdateSsoTeamId,
        canUpdateMemberTokenManagement: p.canUpdateMemberTokenManagement,
        canViewApiToken: p.canViewApiToken,
      },
      isUnified: false,
    },
    {
      relationships: {
        users: toMany('users', view.userIds),
        organizationMemberships: toMany('organization-memberships', view.membershipIds),
        organization: toOne('organizations', view.organizationName, {
          related: organizationPath(view.organizationName),
        }),
        authenticationToken: linksOnly({ related: `${self}/authentication-token` }),
        authenticationTokens: linksOnly({ related: `${self}/authentication-tokens` }),
      },
      links: { self },
    },
  );
};

/**
 * The id of an invitation resource: stable for one (organization, e-mail) pair — a re-invite refreshes the same
 * invitation — and derived from nothing secret: never the token, which is the only thing that proves the invitee.
 */
export const invitationId = (view: InvitationView): string =>
  `inv-${createHash('sha256')
    .update(`${view.organizationName.toLowerCase()}\u0000${view.email.toLowerCase()}`)
    .digest('hex')
    .slice(0, 20)}`;

/**
 * An invitation as the invitee's landing page shows it (TFC-API §15): organization name, invited e-mail, inviter,
 * expiry, whether an account with that e-mail exists, whether the organization requires 2FA. No `links.self`: the
 * only address of an invitation is its secret token.
 */
export const invitationResource = (view: InvitationView): ResourceObject<'invitations'> =>
  resource('invitations', invitationId(view), {
    organizationName: view.organizationName,
    email: view.email,
    invitedBy: view.invitedBy,
    expiresAt: toTimestamp(view.expiresAt),
    accountExists: view.accountExists,
    isOrgTwoFactorRequired: view.isOrgTwoFactorRequired,
  });

/** What a document side-loads from a reply's `included`, by TFC include name. */
export interface IncludeRequest {
  users?: boolean;
  teams?: boolean;
  organizations?: boolean;
  memberships?: boolean;
}

/**
 * `included` for the primary resources: only what was asked for (`include`) and only objects the primary data
 * names in its relationships (go-tfe matches them by `type,id`); ordered users, teams, organizations, memberships.
 */
export const includedFor = (
  primary: readonly ResourceObject[],
  included: MembershipIncluded,
  wanted: IncludeRequest,
): ResourceObject[] => {
  const named = new Set<string>();
  for (const r of primary)
    for (const rel of Object.values(r.relationships ?? {})) {
      const data = rel.data;
      for (const id of Array.isArray(data) ? data : data ? [data] : []) named.add(`${id.type}\u0000${id.id}`);
    }
  const pick = <V>(
    wantedHere: boolean | undefined,
    views: readonly V[] | undefined,
    toResource: (v: V) => ResourceObject,
  ): ResourceObject[] =>
    wantedHere ? (views ?? []).map(toResource).filter((r) => named.has(`${r.type}\u0000${r.id}`)) : [];
  return [
    ...pick(wanted.users, included.users, memberUserResource),
    ...pick(wanted.teams, included.teams, teamResource),
    ...pick(wanted.organizations, included.organizations, organizationResource),
    ...pick(wanted.memberships, included.memberships, membershipResource),
  ];
};

/** TFC include names of membership documents → what `includedFor` side-loads. */
export const membershipIncludes = (names: readonly string[]): IncludeRequest => ({
  users: names.includes('user'),
  teams: names.includes('teams'),
  organizations: names.includes('organization'),
});

/** TFC include names of team documents → what `includedFor` side-loads. */
export const teamIncludes = (names: readonly string[]): IncludeRequest => ({
  users: names.includes('users'),
  memberships: names.includes('organization-memberships'),
});

/**
 * The `include` of a membership request: the `MembershipIncluded` collections the reply should fill, only those
 * asked for (`[]`: none), so the service does not load what the document would drop.
 */
export const serviceIncludes = (wanted: IncludeRequest): MembershipInclude[] => [
  ...(wanted.users ? (['users'] as const) : []),
  ...(wanted.teams ? (['teams'] as const) : []),
  ...(wanted.organizations ? (['organizations'] as const) : []),
  ...(wanted.memberships ? (['memberships'] as const) : []),
];

/** A membership list page as a document: pagination from the reply's `total`, side-loads as asked. */
export const membershipListDocument = (
  reply: MembershipList,
  page: PageRequest,
  url: RequestUrl,
  include: readonly string[],
  options: { statusCounts?: boolean } = {},
) => {
  const data = reply.memberships.map(membershipResource);
  return listDocument(data, {
    pagination: paginate(page, reply.total, url),
    ...(options.statusCounts ? { statusCounts: reply.statusCounts } : {}),
    ...(include.length > 0
      ? { included: includedFor(data, reply.included, membershipIncludes(include)) }
      : {}),
  });
};
