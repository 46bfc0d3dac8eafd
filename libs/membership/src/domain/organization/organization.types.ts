import type {
  CollaboratorAuthPolicy,
  MembershipRemovalReason,
  MembershipStatus,
  OrganizationAccess,
  OrganizationSettings,
  TeamVisibility,
  TokenTtlPolicy,
  TokenTtlType,
} from '@idp/contracts';
import type { Map as IMap, Set as ISet } from 'immutable';

/**
 * The organization aggregate (stream `organization-<organizationId>`): the organization, its teams (the owners
 * team included), its memberships and their invitations. One aggregate, so that every rule that spans them — the
 * owners team is never left without an active member, two owners leaving at once cannot both go, a team name is
 * unique within its organization, an e-mail is invited once — is decided on one consistent state and appended with
 * one expected revision.
 *
 * State uses immutable.js persistent collections: `evolve` stays a pure function and costs O(log n) per event, so
 * folding a 10,000-member organization's stream takes milliseconds, and `handleCommand`'s state cache may keep a
 * state object while later commands evolve it.
 */

/**
 * Who acts: a user (session or user token) or the organization's own token; `system` for process managers. A user's
 * `twoFactor` (from the users mirror, set by the application layer before a command) decides whether an
 * organization that requires 2FA locks them out; absent counts as no 2FA. `userToken`: the user API token the request
 * presented (`meta.actor.userToken`, absent for a session), whose lifetime an organization's `user` token TTL policy
 * bounds (`token-ttl-policy.ts`).
 */
export type Actor =
  | { kind: 'user'; userId: string; twoFactor?: boolean; userToken?: UserTokenLifetime }
  | { kind: 'organization'; organizationId: string }
  /** A team API token (TFC-API §5.1): acts with its team's organization access, in its organization only. */
  | { kind: 'team'; teamId: string }
  | { kind: 'system' };

/** A user API token's lifetime: `expiredAt − createdAt`, infinite when `expiredAt` is null (ADR 012). */
export interface UserTokenLifetime {
  createdAt: string;
  expiredAt: string | null;
}

export interface InvitationState {
  tokenHash: string;
  expiresAt: string;
  /** Username of the inviter, or null (organization token). */
  invitedBy: string | null;
}

export interface MembershipState {
  membershipId: string;
  /** As invited (or the creator's e-mail); `emailLower` for comparisons. */
  email: string;
  emailLower: string;
  status: MembershipStatus;
  /** Null while invited. */
  userId: string | null;
  createdAt: string;
  /** The live invitation while `status` is `invited`; null once active. */
  invitation: InvitationState | null;
}

export interface TeamState {
  teamId: string;
  name: string;
  nameLower: string;
  visibility: TeamVisibility;
  ssoTeamId: string | null;
  allowMemberTokenManagement: boolean;
  organizationAccess: OrganizationAccess;
  createdAt: string;
  /** Membership ids on the team (invited ones included). */
  memberIds: ISet<string>;
}

export type OrganizationState =
  | { status: 'none' }
  | {
      status: 'active' | 'deleted';
      organizationId: string;
      name: string;
      email: string;
      createdAt: string;
      settings: OrganizationSettings;
      ownersTeamId: string;
      teams: IMap<string, TeamState>;
      /** Live memberships (removed ones are dropped). */
      memberships: IMap<string, MembershipState>;
      /** Live membership id by lower-cased e-mail (invited and active). */
      byEmail: IMap<string, string>;
      /** Active membership id by user id. */
      byUser: IMap<string, string>;
      /**
       * Token TTL policies (TFC-API §5.4, ADR 012): one per token type that has a maximum, in `TOKEN_TTL_TYPES`
       * order; empty when none was ever set.
       */
      tokenTtlPolicies: readonly TokenTtlPolicy[];
    };

export type LiveOrganization = Extract<OrganizationState, { status: 'active' | 'deleted' }>;

// ---------------------------------------------------------------------------------------------- stored events

export type TeamAttributes = {
  name: string;
  visibility: TeamVisibility;
  ssoTeamId: string | null;
  allowMemberTokenManagement: boolean;
  organizationAccess: OrganizationAccess;
};

export type OrganizationEvent =
  | {
      type: 'OrganizationCreated';
      data: {
        organizationId: string;
        name: string;
        email: string;
        settings: OrganizationSettings;
        ownersTeamId: string;
        /** The creator's membership (active, on the owners team). */
        membershipId: string;
        userId: string;
        userEmail: string;
        createdAt: string;
      };
    }
  | {
      type: 'OrganizationUpdated';
      data: {
        /** Only what changed. */
        name?: string;
        previousName?: string;
        email?: string;
        settings?: Partial<OrganizationSettings>;
      };
    }
  | { type: 'OrganizationDeleted'; data: { organizationId: string; name: string } }
  /** The whole set of token TTL policies after a change (types not listed in the command kept theirs). */
  | { type: 'OrganizationTokenTtlPoliciesSet'; data: { policies: TokenTtlPolicy[] } }
  | { type: 'TeamCreated'; data: TeamAttributes & { teamId: string; createdAt: string } }
  | { type: 'TeamUpdated'; data: { teamId: string; changes: Partial<TeamAttributes> } }
  | { type: 'TeamDeleted'; data: { teamId: string; name: string } }
  | {
      type: 'MemberInvited';
      data: {
        membershipId: string;
        email: string;
        teamIds: string[];
        invitedBy: string | null;
        tokenHash: string;
        /** The clear token `<organizationId>.<secret>`, sealed for the notification service. */
        sealedToken: string;
        expiresAt: string;
        invitedAt: string;
        /** A re-invite of a pending invitation: same membership, new token and expiry. */
        refreshed: boolean;
      };
    }
  | {
      type: 'InvitationAccepted';
      data: {
        membershipId: string;
        userId: string;
        email: string;
        via: 'link' | 'sign-up';
        acceptedAt: string;
      };
    }
  | {
      type: 'MembershipRemoved';
      data: { membershipId: string; userId: string | null; email: string; reason: MembershipRemovalReason };
    }
  | { type: 'TeamMembersAdded'; data: { teamId: string; membershipIds: string[] } }
  | { type: 'TeamMembersRemoved'; data: { teamId: string; membershipIds: string[] } };

// ---------------------------------------------------------------------------------------------------- commands

/**
 * Commands. Time (`now`), ids, token hashes and facts owned by other services (a user's confirmed e-mail, who has
 * 2FA) are looked up by the application layer and arrive in the command: `decide` does no I/O.
 */
export type OrganizationCommand =
  | {
      type: 'CreateOrganization';
      data: {
        actor: Actor;
        organizationId: string;
        name: string;
        email: string;
        settings: OrganizationSettings;
        ownersTeamId: string;
        membershipId: string;
        /** The creator's account e-mail (their membership's e-mail). */
        userEmail: string;
        /** Whether the creator has 2FA, for `settings.collaboratorAuthPolicy: 'two_factor_mandatory'` (absent = no). */
        creatorTwoFactor?: boolean;
        now: string;
      };
    }
  | {
      type: 'UpdateOrganization';
      data: {
        actor: Actor;
        name?: string;
        email?: string;
        settings?: Partial<OrganizationSettings>;
        /** 2FA state of every current owner (user id → enabled), for `two_factor_mandatory`. */
        ownersTwoFactor: Record<string, boolean>;
      };
    }
  | { type: 'DeleteOrganization'; data: { actor: Actor } }
  /** Sets the listed types' maxima (owners only); the others keep theirs. One entry per type, validated upstream. */
  | {
      type: 'SetTokenTtlPolicies';
      data: { actor: Actor; policies: Array<{ tokenType: TokenTtlType; maxTtlMs: number }>; now: string };
    }
  | {
      type: 'CreateTeam';
      data: {
        actor: Actor;
        teamId: string;
        name: string;
        visibility?: TeamVisibility;
        ssoTeamId?: string | null;
        allowMemberTokenManagement?: boolean;
        organizationAccess?: Partial<OrganizationAccess>;
        now: string;
      };
    }
  | {
      type: 'UpdateTeam';
      data: {
        actor: Actor;
        teamId: string;
        name?: string;
        visibility?: TeamVisibility;
        ssoTeamId?: string | null;
        allowMemberTokenManagement?: boolean;
        organizationAccess?: Partial<OrganizationAccess>;
      };
    }
  | { type: 'DeleteTeam'; data: { actor: Actor; teamId: string } }
  | {
      type: 'Invite';
      data: {
        actor: Actor;
        /** Id for a new membership (ignored when the e-mail already has a pending invitation: it is refreshed). */
        membershipId: string;
        email: string;
        teamIds: string[];
        /** Inviter's username (null for the organization token). */
        invitedBy: string | null;
        /**
         * The invitation token (`<organizationId>.<secret>`) made for this invite: its SHA-256 and the sealed whole.
         * A new invitation and the refresh of a pending one (same e-mail) take the same token.
         */
        tokenHash: string;
        sealedToken: string;
        /** The user whose confirmed e-mail this is, if any: already an active member → refused. */
        existingUserId: string | null;
        expiresAt: string;
        now: string;
      };
    }
  | {
      type: 'AcceptInvitation';
      data: {
        actor: Actor;
        /** `link`: found by `tokenHash` (the hash of the presented token's secret); `sign-up`: named by identity. */
        via: 'link' | 'sign-up';
        tokenHash?: string;
        membershipId?: string;
        userId: string;
        /** The accepting account's confirmed e-mail (must equal the invited one, case-insensitively). */
        userEmail: string;
        now: string;
      };
    }
  | {
      type: 'RemoveMembership';
      data: {
        actor: Actor;
        membershipId: string;
        reason?: Extract<MembershipRemovalReason, 'account-deleted'>;
      };
    }
  | {
      type: 'AddTeamMembers' | 'RemoveTeamMembers';
      data: {
        actor: Actor;
        teamId: string;
        /** Exactly one of: membership ids, or user ids (TFC's `users` variant, usernames resolved upstream). */
        membershipIds?: string[];
        userIds?: string[];
      };
    };

export type { CollaboratorAuthPolicy };

export const organizationStream = (organizationId: string): string => `organization-${organizationId}`;

/** Pending invitations expire after 7 days; a re-invite issues a new token with a new expiry. */
export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;
