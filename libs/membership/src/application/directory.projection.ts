import type {
  MembershipStatus,
  OrganizationAccess,
  OrganizationSettings,
  TeamVisibility,
  TokenTtlPolicy,
} from '@idp/contracts';
import { defineProjection, type ReadModel, type ReadStore, type RecordedEvent } from '@idp/eventing';
import { emailKey } from '../domain/organization/organization.decider';
import type { OrganizationEvent } from '../domain/organization/organization.types';
import { FULL_ACCESS } from '../domain/organization/permissions';
import type { UserMirrorEvent } from './user-mirror';

/**
 * The membership service's read models, all projected by ONE projection from the service's own store (organization
 * streams and the user mirror), so they are applied in one global order: a membership can take its user's username
 * from `users` at the moment it is written, and a later username change patches every membership of that user, both
 * guarded by positions of the same source. Dropping them and replaying the store gives the same documents.
 *
 * Team membership lives on the membership documents (`teamIds`, multikey-indexed), not as arrays on the teams:
 * adding someone to a 10,000-member team then writes one small document instead of rewriting a 10,000-element
 * array, and a team's members are one indexed query (`teamIds: teamId`).
 */

export interface OrganizationDocument {
  /** `org-…`. */
  id: string;
  name: string;
  nameLower: string;
  email: string;
  createdAt: string;
  settings: OrganizationSettings;
  ownersTeamId: string;
  /**
   * Token TTL policies (TFC-API §5.4), the whole set as last set; absent until one is set (documents written before
   * the policies existed have none).
   */
  tokenTtlPolicies?: TokenTtlPolicy[];
}

export interface TeamDocument {
  /** `team-…`. */
  id: string;
  orgId: string;
  name: string;
  nameLower: string;
  isOwners: boolean;
  visibility: TeamVisibility;
  ssoTeamId: string | null;
  allowMemberTokenManagement: boolean;
  organizationAccess: OrganizationAccess;
  createdAt: string;
}

export interface MembershipDocument {
  /** `ou-…`. */
  id: string;
  orgId: string;
  /** Null while invited. */
  userId: string | null;
  /** As invited (or the creator's account e-mail). */
  email: string;
  emailLower: string;
  status: MembershipStatus;
  teamIds: string[];
  createdAt: string;
  /** The member's current username (from `users`), null while invited: `q` searches it with `email`. */
  username: string | null;
}

export interface UserDocument {
  /** `user-…`. */
  id: string;
  username: string;
  usernameLower: string;
  email: string;
  emailLower: string;
  emailConfirmed: boolean;
  twoFactor: boolean;
  registeredAt: string;
}

export const organizationsModel: ReadModel<OrganizationDocument> = {
  name: 'organizations',
  indexes: [{ nameLower: 1 }],
  searchable: ['name', 'email'],
};

export const teamsModel: ReadModel<TeamDocument> = {
  name: 'teams',
  indexes: [{ orgId: 1, nameLower: 1 }],
  searchable: ['name'],
};

/**
 * Lists of a 10,000-member organization page on `{orgId, status, createdAt}` / `{orgId, createdAt}` (sorted by
 * creation, then id); `q` narrows by organization through the same index and matches the folded shadows of
 * `username` and `email` (ReadStore `search`); `status-counts` is one `countBy` on `{orgId, status}`.
 */
export const membershipsModel: ReadModel<MembershipDocument> = {
  name: 'memberships',
  indexes: [
    { orgId: 1, status: 1, createdAt: 1 },
    { orgId: 1, createdAt: 1 },
    { orgId: 1, emailLower: 1 },
    { orgId: 1, userId: 1 },
    { userId: 1, createdAt: 1 },
    { emailLower: 1, status: 1 },
    { teamIds: 1, createdAt: 1 },
  ],
  searchable: ['username', 'email'],
};

export const usersModel: ReadModel<UserDocument> = {
  name: 'users',
  indexes: [{ usernameLower: 1 }, { emailLower: 1 }],
};

export const DIRECTORY_EVENT_TYPES = [
  'OrganizationCreated',
  'OrganizationUpdated',
  'OrganizationDeleted',
  'OrganizationTokenTtlPoliciesSet',
  'TeamCreated',
  'TeamUpdated',
  'TeamDeleted',
  'MemberInvited',
  'InvitationAccepted',
  'MembershipRemoved',
  'TeamMembersAdded',
  'TeamMembersRemoved',
  'UserMirrored',
  'UserForgotten',
] as const satisfies ReadonlyArray<OrganizationEvent['type'] | UserMirrorEvent['type']>;

const ORGANIZATION_STREAM = /^organization-(.+)$/;

/** The owners team as the aggregate creates it (TFC-API §8.3): every permission, visible to every member. */
export const ownersTeamDocument = (teamId: string, orgId: string, createdAt: string): TeamDocument => ({
  id: teamId,
  orgId,
  name: 'owners',
  nameLower: 'owners',
  isOwners: true,
  visibility: 'organization',
  ssoTeamId: null,
  allowMemberTokenManagement: true,
  organizationAccess: FULL_ACCESS,
  createdAt,
});

interface Stores {
  organizations: ReadStore<OrganizationDocument>;
  teams: ReadStore<TeamDocument>;
  memberships: ReadStore<MembershipDocument>;
  users: ReadStore<UserDocument>;
}

const lower = (s: string) => s.toLowerCase();
const union = (a: readonly string[], b: readonly string[]) => [...new Set([...a, ...b])];

type Recorded = RecordedEvent & (OrganizationEvent | UserMirrorEvent);

/** Sets `teamIds` of the listed memberships of `orgId` (each membership written once for this event). */
const retag = async (
  memberships: ReadStore<MembershipDocument>,
  orgId: string,
  membershipIds: readonly string[],
  position: bigint,
  change: (teamIds: string[]) => string[],
) => {
  if (!membershipIds.length) return;
  const docs = await memberships.find({ where: { id: { $in: [...new Set(membershipIds)] }, orgId } });
  for (const doc of docs) await memberships.patch(doc.id, { teamIds: change(doc.teamIds) }, position);
};

const applyOrganizationEvent = async (
  orgId: string,
  event: RecordedEvent & OrganizationEvent,
  { organizations, teams, memberships, users }: Stores,
): Promise<void> => {
  const position = event.position;
  switch (event.type) {
    case 'OrganizationCreated': {
      const d = event.data;
      const creator = await users.get(d.userId);
      await organizations.put(
        {
          id: d.organizationId,
          name: d.name,
          nameLower: lower(d.name),
          email: d.email,
          createdAt: d.createdAt,
          settings: d.settings,
          ownersTeamId: d.ownersTeamId,
        },
        position,
      );
      await teams.put(ownersTeamDocument(d.ownersTeamId, d.organizationId, d.createdAt), position);
      await memberships.put(
        {
          id: d.membershipId,
          orgId: d.organizationId,
          userId: d.userId,
          email: d.userEmail,
          emailLower: emailKey(d.userEmail),
          status: 'active',
          teamIds: [d.ownersTeamId],
          createdAt: d.createdAt,
          username: creator?.username ?? null,
        },
        position,
      );
      return;
    }
    case 'OrganizationUpdated': {
      const { name, email, settings } = event.data;
      await organizations.update(orgId, position, (doc) =>
        doc
          ? {
              ...doc,
              ...(name !== undefined ? { name, nameLower: lower(name) } : {}),
              ...(email !== undefined ? { email } : {}),
              settings: { ...doc.settings, ...settings },
            }
          : undefined,
      );
      return;
    }
    case 'OrganizationTokenTtlPoliciesSet':
      await organizations.patch(orgId, { tokenTtlPolicies: event.data.policies }, position);
      return;
    case 'OrganizationDeleted': {
      // Dependants first, the organization last: a replay after a crash half-way still finds them by `orgId`.
      for (const doc of await memberships.find({ where: { orgId } }))
        await memberships.delete(doc.id, position);
      for (const doc of await teams.find({ where: { orgId } })) await teams.delete(doc.id, position);
      await organizations.delete(orgId, position);
      return;
    }
    case 'TeamCreated': {
      const {
        teamId,
        name,
        visibility,
        ssoTeamId,
        allowMemberTokenManagement,
        organizationAccess,
        createdAt,
      } = event.data;
      await teams.put(
        {
          id: teamId,
          orgId,
          name,
          nameLower: lower(name),
          isOwners: false,
          visibility,
          ssoTeamId,
          allowMemberTokenManagement,
          organizationAccess,
          createdAt,
        },
        position,
      );
      return;
    }
    case 'TeamUpdated': {
      const { teamId, changes } = event.data;
      await teams.update(teamId, position, (doc) =>
        doc
          ? {
              ...doc,
              ...changes,
              ...(changes.name !== undefined ? { nameLower: lower(changes.name) } : {}),
              organizationAccess: { ...doc.organizationAccess, ...changes.organizationAccess },
            }
          : undefined,
      );
      return;
    }
    case 'TeamDeleted': {
      const { teamId } = event.data;
      const members = await memberships.find({ where: { orgId, teamIds: teamId } });
      for (const doc of members)
        await memberships.patch(doc.id, { teamIds: doc.teamIds.filter((t) => t !== teamId) }, position);
      await teams.delete(teamId, position);
      return;
    }
    case 'MemberInvited': {
      const { membershipId, email, teamIds, invitedAt } = event.data;
      await memberships.update(membershipId, position, (doc) =>
        doc
          ? { ...doc, teamIds: union(doc.teamIds, teamIds) } // a refreshed invitation: same membership
          : {
              id: membershipId,
              orgId,
              userId: null,
              email,
              emailLower: emailKey(email),
              status: 'invited',
              teamIds: [...new Set(teamIds)],
              createdAt: invitedAt,
              username: null,
            },
      );
      return;
    }
    case 'InvitationAccepted': {
      const { membershipId, userId } = event.data;
      const user = await users.get(userId);
      await memberships.patch(
        membershipId,
        { status: 'active', userId, username: user?.username ?? null },
        position,
      );
      return;
    }
    case 'MembershipRemoved':
      await memberships.delete(event.data.membershipId, position);
      return;
    case 'TeamMembersAdded': {
      const { teamId, membershipIds } = event.data;
      await retag(memberships, orgId, membershipIds, position, (ids) => union(ids, [teamId]));
      return;
    }
    case 'TeamMembersRemoved': {
      const { teamId, membershipIds } = event.data;
      await retag(memberships, orgId, membershipIds, position, (ids) => ids.filter((t) => t !== teamId));
      return;
    }
  }
};

const applyUserEvent = async (
  event: RecordedEvent & UserMirrorEvent,
  { users, memberships }: Stores,
): Promise<void> => {
  const position = event.position;
  switch (event.type) {
    case 'UserMirrored': {
      const { userId, username, email, emailConfirmed, twoFactor, registeredAt } = event.data;
      const before = await users.get(userId);
      await users.put(
        {
          id: userId,
          username,
          usernameLower: lower(username),
          email,
          emailLower: emailKey(email),
          emailConfirmed,
          twoFactor,
          registeredAt,
        },
        position,
      );
      if (before && before.username !== username)
        await memberships.patchWhere({ where: { userId } }, { username }, position);
      return;
    }
    case 'UserForgotten':
      await users.delete(event.data.userId, position);
      return;
  }
};

/**
 * `membership-directory`: organizations (deleted ones removed), teams, memberships and the users mirror. Every write
 * carries the event's position (ADR 005), so redelivery, a retry after a partial failure and a replay change nothing.
 */
export const directoryProjection = defineProjection<{
  organizations: OrganizationDocument;
  teams: TeamDocument;
  memberships: MembershipDocument;
  users: UserDocument;
}>({
  name: 'membership-directory',
  version: 1,
  handles: DIRECTORY_EVENT_TYPES,
  readModels: {
    organizations: organizationsModel,
    teams: teamsModel,
    memberships: membershipsModel,
    users: usersModel,
  },
  async apply(raw, stores) {
    const event = raw as Recorded;
    if (event.type === 'UserMirrored' || event.type === 'UserForgotten') return applyUserEvent(event, stores);
    const orgId = ORGANIZATION_STREAM.exec(event.stream)?.[1];
    if (!orgId) return;
    await applyOrganizationEvent(orgId, event, stores);
  },
});
