import { z } from 'zod';
import { requestMetaSchema } from '../rpc';
import {
  type CollaboratorAuthPolicy,
  MAX_TOKEN_TTL_MS,
  type MembershipStatus,
  TOKEN_TTL_TYPES,
  type TeamVisibility,
  type TokenTtlPolicy,
} from './membership.events';

/**
 * Request-reply patterns the membership service answers (gateway → membership). Every request carries `meta.actor`:
 * a user (`kind: 'user'`, a session or user token) or an organization token (`kind: 'organization'`, `id` = the
 * organization id). The membership service makes every authorization decision itself: what the actor may not see
 * is `*.NOT_FOUND` (404 at the edge, no existence oracle); explicit refusals are `*_FORBIDDEN` (403).
 */
export const MEMBERSHIP = {
  createOrganization: 'membership.create-organization',
  listOrganizations: 'membership.list-organizations',
  getOrganization: 'membership.get-organization',
  updateOrganization: 'membership.update-organization',
  deleteOrganization: 'membership.delete-organization',
  getEntitlements: 'membership.get-entitlements',
  invite: 'membership.invite',
  listMemberships: 'membership.list-memberships',
  listMyMemberships: 'membership.list-my-memberships',
  getMembership: 'membership.get-membership',
  removeMembership: 'membership.remove-membership',
  createTeam: 'membership.create-team',
  listTeams: 'membership.list-teams',
  getTeam: 'membership.get-team',
  updateTeam: 'membership.update-team',
  deleteTeam: 'membership.delete-team',
  addTeamMembers: 'membership.add-team-members',
  removeTeamMembers: 'membership.remove-team-members',
  listTeamMemberships: 'membership.list-team-memberships',
  getInvitation: 'membership.get-invitation',
  acceptInvitation: 'membership.accept-invitation',
  userOwnerships: 'membership.user-ownerships',
  getTokenTtlPolicies: 'membership.get-token-ttl-policies',
  setTokenTtlPolicies: 'membership.set-token-ttl-policies',
} as const;

export type MembershipPattern = (typeof MEMBERSHIP)[keyof typeof MEMBERSHIP];

/** Team `organization-access` flags (TFC-API §8.1), all default false. */
export const ORGANIZATION_ACCESS_FLAGS = [
  'managePolicies',
  'managePolicyOverrides',
  'delegatePolicyOverrides',
  'manageWorkspaces',
  'manageVcsSettings',
  'manageProviders',
  'manageModules',
  'manageRunTasks',
  'manageProjects',
  'readWorkspaces',
  'readProjects',
  'manageMembership',
  'manageTeams',
  'manageOrganizationAccess',
  'accessSecretTeams',
  'manageAgentPools',
] as const;
export type OrganizationAccessFlag = (typeof ORGANIZATION_ACCESS_FLAGS)[number];
export type OrganizationAccess = Record<OrganizationAccessFlag, boolean>;

/** The organization attributes the service keeps (TFC-API §6.1), camelCase. */
export interface OrganizationSettings {
  sessionTimeout: number | null;
  sessionRemember: number | null;
  collaboratorAuthPolicy: CollaboratorAuthPolicy;
  ownersTeamSamlRoleId: string | null;
  costEstimationEnabled: boolean;
  sendPassingStatusesForUntriggeredSpeculativePlans: boolean;
  aggregatedCommitStatusEnabled: boolean;
  speculativePlanManagementEnabled: boolean;
  assessmentsEnforced: boolean;
  allowForceDeleteWorkspaces: boolean;
  defaultExecutionMode: 'remote' | 'local' | 'agent';
  stacksEnabled: boolean;
  userTokensEnabled: boolean;
  maxTtlEnabled: boolean;
}

const text = (max: number) => z.string().max(max);
const id = text(64).min(1);
const organizationName = text(256);
const page = z.object({ number: z.number().int().min(1), size: z.number().int().min(1).max(100) }).optional();
/**
 * Which `included` collections the reply should fill (`MembershipIncluded` keys). Absent: every one the reply can
 * carry. Naming only what the client asked keeps a page of a 10,000-member organization from loading the member
 * lists of every team its memberships are on.
 */
export const MEMBERSHIP_INCLUDES = ['users', 'teams', 'organizations', 'memberships'] as const;
export type MembershipInclude = (typeof MEMBERSHIP_INCLUDES)[number];
const include = z.array(z.enum(MEMBERSHIP_INCLUDES)).max(MEMBERSHIP_INCLUDES.length).optional();

export const organizationSettingsPatch = z
  .object({
    sessionTimeout: z.number().int().min(1).max(525600).nullable(),
    sessionRemember: z.number().int().min(1).max(525600).nullable(),
    collaboratorAuthPolicy: z.enum(['password', 'two_factor_mandatory']),
    ownersTeamSamlRoleId: text(256).nullable(),
    costEstimationEnabled: z.boolean(),
    sendPassingStatusesForUntriggeredSpeculativePlans: z.boolean(),
    aggregatedCommitStatusEnabled: z.boolean(),
    speculativePlanManagementEnabled: z.boolean(),
    assessmentsEnforced: z.boolean(),
    allowForceDeleteWorkspaces: z.boolean(),
    defaultExecutionMode: z.enum(['remote', 'local', 'agent']),
    stacksEnabled: z.boolean(),
    userTokensEnabled: z.boolean(),
    maxTtlEnabled: z.boolean(),
  })
  .partial();

export const organizationAccessPatch = z.object(
  Object.fromEntries(ORGANIZATION_ACCESS_FLAGS.map((f) => [f, z.boolean().optional()])) as Record<
    OrganizationAccessFlag,
    z.ZodOptional<z.ZodBoolean>
  >,
);

export const createOrganizationRequest = z.object({
  meta: requestMetaSchema,
  name: organizationName,
  email: text(320),
  settings: organizationSettingsPatch.optional(),
});
export const listOrganizationsRequest = z.object({
  meta: requestMetaSchema,
  /** Name or e-mail, case-insensitive substring; wins over `qName`/`qEmail`. */
  q: text(256).optional(),
  qName: text(256).optional(),
  qEmail: text(320).optional(),
  /** Absent: every organization (TFC's unpaginated form). */
  page,
});
export const organizationRequest = z.object({ meta: requestMetaSchema, organization: organizationName });
/**
 * The policies a change sets (TFC-API §5.4), as both the gateway's body and the membership request bound them: at
 * least one entry, each `tokenType` one of `TOKEN_TTL_TYPES` and at most once (a repeated one is an issue at
 * `[index, 'tokenType']`), `maxTtlMs` a positive integer of at most `MAX_TOKEN_TTL_MS` (two years).
 */
export const tokenTtlPolicyChanges = z
  .array(
    z.object({
      tokenType: z.enum(TOKEN_TTL_TYPES),
      maxTtlMs: z.number().int().positive().max(MAX_TOKEN_TTL_MS),
    }),
  )
  .min(1)
  .max(TOKEN_TTL_TYPES.length)
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((policy, i) => {
      if (seen.has(policy.tokenType))
        ctx.addIssue({ code: 'custom', path: [i, 'tokenType'], message: 'must appear only once' });
      seen.add(policy.tokenType);
    });
  });

/**
 * `PATCH /organizations/:name/token-ttl-policies` (TFC-API §5.4): sets the listed types' maxima; types not listed keep
 * theirs. Owners only. One entry per type.
 */
export const setTokenTtlPoliciesRequest = z.object({
  meta: requestMetaSchema,
  organization: organizationName,
  policies: tokenTtlPolicyChanges,
});
export const updateOrganizationRequest = z.object({
  meta: requestMetaSchema,
  organization: organizationName,
  /** New name (renames: the API id changes). */
  name: organizationName.optional(),
  email: text(320).optional(),
  settings: organizationSettingsPatch.optional(),
});
export const inviteRequest = z.object({
  meta: requestMetaSchema,
  organization: organizationName,
  email: text(320),
  teamIds: z.array(id).max(100).optional(),
});
export const listMembershipsRequest = z.object({
  meta: requestMetaSchema,
  organization: organizationName,
  /** Username or e-mail, case-insensitive. */
  q: text(320).optional(),
  status: z.enum(['invited', 'active', 'inactive']).optional(),
  /** Exact e-mails (case-insensitive), OR. */
  emails: z.array(text(320)).max(100).optional(),
  page,
  include,
});
export const listMyMembershipsRequest = z.object({ meta: requestMetaSchema, page, include });
export const membershipRequest = z.object({ meta: requestMetaSchema, membershipId: id, include });
export const createTeamRequest = z.object({
  meta: requestMetaSchema,
  organization: organizationName,
  name: text(256),
  visibility: z.enum(['secret', 'organization']).optional(),
  ssoTeamId: text(256).nullable().optional(),
  allowMemberTokenManagement: z.boolean().optional(),
  organizationAccess: organizationAccessPatch.optional(),
});
export const listTeamsRequest = z.object({
  meta: requestMetaSchema,
  organization: organizationName,
  q: text(256).optional(),
  /** Exact names, OR. */
  names: z.array(text(256)).max(100).optional(),
  page,
  include,
});
export const teamRequest = z.object({ meta: requestMetaSchema, teamId: id, include });
export const updateTeamRequest = z.object({
  meta: requestMetaSchema,
  teamId: id,
  name: text(256).optional(),
  visibility: z.enum(['secret', 'organization']).optional(),
  ssoTeamId: text(256).nullable().optional(),
  allowMemberTokenManagement: z.boolean().optional(),
  organizationAccess: organizationAccessPatch.optional(),
});
/** Exactly one of `usernames` (TFC's `users` variant: ids are usernames, user ids accepted too) or `membershipIds`. */
export const teamMembersRequest = z.object({
  meta: requestMetaSchema,
  teamId: id,
  usernames: z.array(text(256)).min(1).max(100).optional(),
  membershipIds: z.array(id).min(1).max(100).optional(),
});
export const listTeamMembershipsRequest = z.object({
  meta: requestMetaSchema,
  teamId: id,
  status: z.enum(['invited', 'active']).optional(),
  page,
  include,
});
export const invitationRequest = z.object({ meta: requestMetaSchema, token: text(512) });

export type CreateOrganizationRequest = z.infer<typeof createOrganizationRequest>;
export type ListOrganizationsRequest = z.infer<typeof listOrganizationsRequest>;
export type OrganizationRequest = z.infer<typeof organizationRequest>;
export type UpdateOrganizationRequest = z.infer<typeof updateOrganizationRequest>;
export type SetTokenTtlPoliciesRequest = z.infer<typeof setTokenTtlPoliciesRequest>;

/** An organization's token TTL policies, one per type that has a maximum, in `TOKEN_TTL_TYPES` order. */
export interface TokenTtlPolicyList {
  organizationId: string;
  organizationName: string;
  policies: TokenTtlPolicy[];
}
export type InviteRequest = z.infer<typeof inviteRequest>;
export type ListMembershipsRequest = z.infer<typeof listMembershipsRequest>;
export type ListMyMembershipsRequest = z.infer<typeof listMyMembershipsRequest>;
export type MembershipRequest = z.infer<typeof membershipRequest>;
export type CreateTeamRequest = z.infer<typeof createTeamRequest>;
export type ListTeamsRequest = z.infer<typeof listTeamsRequest>;
export type TeamRequest = z.infer<typeof teamRequest>;
export type UpdateTeamRequest = z.infer<typeof updateTeamRequest>;
export type TeamMembersRequest = z.infer<typeof teamMembersRequest>;
export type ListTeamMembershipsRequest = z.infer<typeof listTeamMembershipsRequest>;
export type InvitationRequest = z.infer<typeof invitationRequest>;

/** What the caller may do in an organization (TFC `permissions`, camelCase; the gateway emits the full key set). */
export interface OrganizationPermissions {
  canUpdate: boolean;
  canDestroy: boolean;
  canCreateTeam: boolean;
  canAccessViaTeams: boolean;
  canManageUsers: boolean;
  canViewUsers: boolean;
  /** Manage the organization token (owners and the organization token itself). */
  canUpdateApiToken: boolean;
  canManageSso: boolean;
  canTraverse: boolean;
}

export interface OrganizationView {
  /** `org-…` (TFC `external-id`); the API id is `name`. */
  id: string;
  name: string;
  email: string;
  createdAt: string;
  settings: OrganizationSettings;
  ownersTeamId: string;
  /** Whether the caller's membership satisfies the organization's 2FA policy (TFC `two-factor-conformant`). */
  twoFactorConformant: boolean;
  permissions: OrganizationPermissions;
}

/** TFC-API §6.3: every boolean feature flag and limit this product decides. */
export interface EntitlementsView {
  /** The organization's `org-…` id (the entitlement set's id). */
  id: string;
  organizationName: string;
  features: Record<string, boolean>;
  limits: Record<string, number | null>;
}

export interface TeamPermissions {
  canDestroy: boolean;
  canUpdateMembership: boolean;
  canUpdateOrganizationAccess: boolean;
  canUpdateApiToken: boolean;
  canUpdateVisibility: boolean;
  canUpdateName: boolean;
  canUpdateSsoTeamId: boolean;
  canUpdateMemberTokenManagement: boolean;
  canViewApiToken: boolean;
}

export interface TeamView {
  id: string;
  organizationId: string;
  organizationName: string;
  name: string;
  isOwners: boolean;
  visibility: TeamVisibility;
  ssoTeamId: string | null;
  allowMemberTokenManagement: boolean;
  organizationAccess: OrganizationAccess;
  createdAt: string;
  /** Active members' user ids (TFC `users`; invited members are not users of the team yet). */
  userIds: string[];
  /** Every membership on the team, invited ones included (TFC `organization-memberships`). */
  membershipIds: string[];
  permissions: TeamPermissions;
}

/** A user as membership knows it (mirrored from identity's events). `email` only for callers who manage members. */
export interface MemberUserView {
  id: string;
  username: string;
  email: string | null;
  avatarUrl: string;
  isServiceAccount: boolean;
  twoFactor: { enabled: boolean; verified: boolean };
}

export interface MembershipView {
  id: string;
  organizationId: string;
  organizationName: string;
  status: MembershipStatus;
  email: string;
  userId: string | null;
  createdAt: string;
  /** Teams the caller may see (secret teams of which the caller is no member are left out). */
  teamIds: string[];
  /** Whether the organization requires 2FA (shown to invitees). */
  isOrgTwoFactorRequired: boolean;
  /** For `GET /organization-memberships`: whether the caller owns that organization. */
  isOwner: boolean;
}

/** One page of a list. `total` counts every match; no `page` in the request: everything, `page` absent. */
export interface Paged {
  total: number;
  page?: { number: number; size: number };
}

/** Related objects of a list or read, for `include` (the gateway side-loads what was asked). */
export interface MembershipIncluded {
  users: MemberUserView[];
  teams: TeamView[];
  organizations: OrganizationView[];
  memberships: MembershipView[];
}

export interface OrganizationResult {
  organization: OrganizationView;
}
export interface OrganizationList extends Paged {
  organizations: OrganizationView[];
}
export interface MembershipResult {
  membership: MembershipView;
  included: MembershipIncluded;
}
export interface MembershipList extends Paged {
  memberships: MembershipView[];
  /** `meta.status-counts` over the whole organization (not only the matches). */
  statusCounts: { total: number; active: number; invited: number };
  included: MembershipIncluded;
}
export interface TeamResult {
  team: TeamView;
  included: MembershipIncluded;
}
export interface TeamList extends Paged {
  teams: TeamView[];
  included: MembershipIncluded;
}
export interface InvitationView {
  organizationName: string;
  email: string;
  /** Username of the inviter, or null when an organization token invited. */
  invitedBy: string | null;
  expiresAt: string;
  /** Whether an account with that e-mail exists (the UI offers login rather than sign-up). */
  accountExists: boolean;
  isOrgTwoFactorRequired: boolean;
}
export interface Done {
  ok: true;
}

/**
 * `membership.user-ownerships` (actor `system` only: the gateway asks it on behalf of identity-side rules): the
 * organizations whose owners team has `userId` as an active member. Site administration refuses to delete the sole
 * owner of an organization (TFC-API §10); disabling 2FA is refused while an owned organization requires it (§12).
 */
export const userOwnershipsRequest = z.object({ meta: requestMetaSchema, userId: z.string().max(64) });
export type UserOwnershipsRequest = z.infer<typeof userOwnershipsRequest>;
export interface UserOwnershipsView {
  organizations: Array<{
    id: string;
    name: string;
    /** No other active member of the owners team. */
    soleOwner: boolean;
    /** `collaborator-auth-policy` is `two_factor_mandatory`. */
    twoFactorRequired: boolean;
  }>;
}

/** Request and reply of every membership pattern (errors come back as `RpcErrorBody`). */
export interface MembershipMessages {
  [MEMBERSHIP.createOrganization]: { request: CreateOrganizationRequest; reply: OrganizationResult };
  [MEMBERSHIP.listOrganizations]: { request: ListOrganizationsRequest; reply: OrganizationList };
  [MEMBERSHIP.getOrganization]: { request: OrganizationRequest; reply: OrganizationResult };
  [MEMBERSHIP.updateOrganization]: { request: UpdateOrganizationRequest; reply: OrganizationResult };
  [MEMBERSHIP.deleteOrganization]: { request: OrganizationRequest; reply: Done };
  [MEMBERSHIP.getEntitlements]: { request: OrganizationRequest; reply: EntitlementsView };
  [MEMBERSHIP.invite]: { request: InviteRequest; reply: MembershipResult };
  [MEMBERSHIP.listMemberships]: { request: ListMembershipsRequest; reply: MembershipList };
  [MEMBERSHIP.listMyMemberships]: { request: ListMyMembershipsRequest; reply: MembershipList };
  [MEMBERSHIP.getMembership]: { request: MembershipRequest; reply: MembershipResult };
  [MEMBERSHIP.removeMembership]: { request: MembershipRequest; reply: Done };
  [MEMBERSHIP.createTeam]: { request: CreateTeamRequest; reply: TeamResult };
  [MEMBERSHIP.listTeams]: { request: ListTeamsRequest; reply: TeamList };
  [MEMBERSHIP.getTeam]: { request: TeamRequest; reply: TeamResult };
  [MEMBERSHIP.updateTeam]: { request: UpdateTeamRequest; reply: TeamResult };
  [MEMBERSHIP.deleteTeam]: { request: TeamRequest; reply: Done };
  [MEMBERSHIP.addTeamMembers]: { request: TeamMembersRequest; reply: Done };
  [MEMBERSHIP.removeTeamMembers]: { request: TeamMembersRequest; reply: Done };
  [MEMBERSHIP.listTeamMemberships]: { request: ListTeamMembershipsRequest; reply: MembershipList };
  [MEMBERSHIP.getInvitation]: { request: InvitationRequest; reply: InvitationView };
  [MEMBERSHIP.acceptInvitation]: { request: InvitationRequest; reply: MembershipResult };
  [MEMBERSHIP.userOwnerships]: { request: UserOwnershipsRequest; reply: UserOwnershipsView };
  [MEMBERSHIP.getTokenTtlPolicies]: { request: OrganizationRequest; reply: TokenTtlPolicyList };
  [MEMBERSHIP.setTokenTtlPolicies]: { request: SetTokenTtlPoliciesRequest; reply: TokenTtlPolicyList };
}
