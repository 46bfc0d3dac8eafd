import { createHash } from 'node:crypto';
import type {
  EntitlementsView,
  MemberUserView,
  MembershipView,
  OrganizationView,
  TeamView,
} from '@idp/contracts';
import {
  type CallerFacts,
  canManageMembership,
  organizationPermissions,
  teamPermissions,
} from '../domain/organization/permissions';
import { type LockOutPolicy, lockOutOf } from '../domain/organization/lock-out';
import type { UserTokenLifetime } from '../domain/organization/organization.types';
import { lockedOutByTwoFactor } from '../domain/organization/two-factor-policy';
import type {
  MembershipDocument,
  OrganizationDocument,
  TeamDocument,
  UserDocument,
} from './directory.projection';

/** Pure mappings from read-model documents (and the caller's facts) to the contract's views. */

export const gravatarUrl = (email: string): string =>
  `https://www.gravatar.com/avatar/${createHash('md5').update(email.trim().toLowerCase()).digest('hex')}?s=100&d=mm`;

export const isTwoFactorRequired = (org: OrganizationDocument): boolean =>
  org.settings.collaboratorAuthPolicy === 'two_factor_mandatory';

/** What of an organization document the lock-out rule (`lock-out.ts`) reads. */
export const lockOutPolicyOf = (org: OrganizationDocument): LockOutPolicy => ({
  name: org.name,
  collaboratorAuthPolicy: org.settings.collaboratorAuthPolicy,
  tokenTtlPolicies: org.tokenTtlPolicies ?? [],
});

/**
 * The organization as `facts` may see it; `caller` is the calling user's mirror document (their 2FA), `userToken`
 * the user token the request presented, if any. A member the 2FA policy locks out (only ever shown it in their own
 * lists, to see why) gets `twoFactorConformant: false`; a member locked out by either the 2FA policy or the `user`
 * token TTL policy gets no permission at all. `maxTtlEnabled` is true while any token TTL policy exists (ADR 012).
 */
export const organizationView = (
  org: OrganizationDocument,
  facts: CallerFacts,
  caller: UserDocument | undefined,
  userToken?: UserTokenLifetime,
): OrganizationView => {
  const withoutTwoFactor = lockedOutByTwoFactor(
    org.settings.collaboratorAuthPolicy,
    facts,
    caller?.twoFactor,
  );
  const lockedOut =
    lockOutOf(lockOutPolicyOf(org), facts, { twoFactor: caller?.twoFactor, userToken }) !== undefined;
  return {
    id: org.id,
    name: org.name,
    email: org.email,
    createdAt: org.createdAt,
    settings: { ...org.settings, maxTtlEnabled: (org.tokenTtlPolicies?.length ?? 0) > 0 },
    ownersTeamId: org.ownersTeamId,
    twoFactorConformant: !withoutTwoFactor,
    permissions: organizationPermissions(lockedOut ? { kind: 'outsider' } : facts),
  };
};

/** `members`: the memberships on this team (any order). */
export const teamView = (
  team: TeamDocument,
  org: OrganizationDocument,
  facts: CallerFacts,
  members: readonly MembershipDocument[],
): TeamView => ({
  id: team.id,
  organizationId: org.id,
  organizationName: org.name,
  name: team.name,
  isOwners: team.isOwners,
  visibility: team.visibility,
  ssoTeamId: team.ssoTeamId,
  allowMemberTokenManagement: team.allowMemberTokenManagement,
  organizationAccess: team.organizationAccess,
  createdAt: team.createdAt,
  userIds: members.flatMap((m) => (m.status === 'active' && m.userId ? [m.userId] : [])),
  membershipIds: members.map((m) => m.id),
  permissions: teamPermissions(facts, {
    teamId: team.id,
    isOwners: team.isOwners,
    allowMemberTokenManagement: team.allowMemberTokenManagement,
  }),
});

export const membershipView = (
  m: MembershipDocument,
  org: OrganizationDocument,
  options: { visibleTeamIds: (teamIds: readonly string[]) => string[]; callerIsOwner: boolean },
): MembershipView => ({
  id: m.id,
  organizationId: org.id,
  organizationName: org.name,
  status: m.status,
  email: m.email,
  userId: m.userId,
  createdAt: m.createdAt,
  teamIds: options.visibleTeamIds(m.teamIds),
  isOrgTwoFactorRequired: isTwoFactorRequired(org),
  isOwner: options.callerIsOwner,
});

export const memberUserView = (user: UserDocument, showEmail: boolean): MemberUserView => ({
  id: user.id,
  username: user.username,
  email: showEmail ? user.email : null,
  avatarUrl: gravatarUrl(user.email),
  isServiceAccount: false,
  twoFactor: { enabled: user.twoFactor, verified: user.twoFactor },
});

/** Whether `facts` may see members' e-mail addresses (TFC-API §7: membership managers; a user always sees their own). */
export const showsEmailOf = (facts: CallerFacts, userId: string): boolean =>
  canManageMembership(facts) || (facts.kind === 'member' && facts.userId === userId);

/**
 * TFC-API §6.3. This product is the identity and membership part of a TFC-style service: it grants what it
 * implements — teams (beyond `owners`), SSO and the audit trail — and none of the run-platform features, so
 * Terraform CLI is told plainly that remote operations and state storage are not served here. No limits.
 */
export const entitlementsView = (org: OrganizationDocument): EntitlementsView => ({
  id: org.id,
  organizationName: org.name,
  features: {
    agents: false,
    auditLogging: true,
    configurationDesigner: false,
    costEstimation: false,
    globalRunTasks: false,
    moduleTestsGeneration: false,
    operations: false,
    policyEnforcement: false,
    privateModuleRegistry: false,
    privatePolicyAgents: false,
    privateRunTasks: false,
    privateVcs: false,
    runTasks: false,
    selfServeBilling: false,
    sentinel: false,
    sso: true,
    stateStorage: false,
    teams: true,
    usageReporting: false,
    vcsIntegrations: false,
    waypointActions: false,
    waypointTemplatesAndAddons: false,
    infragraph: false,
    infragraphWithNrtu: false,
  },
  limits: {
    userLimit: null,
    policyLimit: null,
    policySetLimit: null,
    policyMandatoryEnforcementLimit: null,
    runTaskLimit: null,
    runTaskMandatoryEnforcementLimit: null,
    runTaskWorkspaceLimit: null,
    versionedPolicySetLimit: null,
  },
});
