/**
 * Events the membership service publishes on `membership.events` (integration events: its relay maps the
 * organization aggregate's stored events to these). Never an invitation token in clear: the e-mailed token travels
 * sealed with the platform's secret key (`sealedToken`, context `MEMBERSHIP_SEAL_CONTEXT.invitation`) for the
 * notification service, and as its SHA-256 (`tokenHash`) for the identity service, which lets a sign-up with that
 * token count the invited e-mail as confirmed.
 *
 * Organizations are named by `organizationId` (`org-…`, stable); `organizationName` is the name at the time of the
 * event (TFC's API id, which a rename changes).
 */
export type MembershipIntegrationEvent =
  | {
      type: 'OrganizationCreated';
      data: {
        organizationId: string;
        organizationName: string;
        email: string;
        ownersTeamId: string;
        /** The creator: first member of the owners team. */
        userId: string;
        membershipId: string;
        createdAt: string;
      };
    }
  | {
      type: 'OrganizationUpdated';
      data: {
        organizationId: string;
        organizationName: string;
        /** Set when this update renamed the organization. */
        previousName?: string;
        /** The attributes this update changed (camelCase keys of `OrganizationSettings`, plus `email`). */
        changed: string[];
        collaboratorAuthPolicy: CollaboratorAuthPolicy;
      };
    }
  | { type: 'OrganizationDeleted'; data: { organizationId: string; organizationName: string } }
  /**
   * The organization's token TTL policies (TFC-API §5.4) after a change: the whole set, one entry per token type
   * that has a maximum (a type absent has none). The token service bounds the organization's team and organization
   * tokens by them; the membership service bounds user tokens acting in the organization.
   */
  | {
      type: 'OrganizationTokenTtlPoliciesSet';
      data: { organizationId: string; organizationName: string; policies: TokenTtlPolicy[] };
    }
  | {
      type: 'TeamCreated' | 'TeamUpdated';
      data: { organizationId: string; teamId: string; name: string; visibility: TeamVisibility };
    }
  | { type: 'TeamDeleted'; data: { organizationId: string; teamId: string; name: string } }
  | {
      type: 'MemberInvited';
      data: {
        organizationId: string;
        organizationName: string;
        membershipId: string;
        /** As typed by the inviter (compare case-insensitively). */
        email: string;
        teamIds: string[];
        /** Username of the inviting user, or null when an organization token invited. */
        invitedBy: string | null;
        expiresAt: string;
        /** SHA-256 (hex) of the invitation token's secret part. */
        tokenHash: string;
        /** The whole invitation token, sealed (`SecretBox`, context `MEMBERSHIP_SEAL_CONTEXT.invitation`). */
        sealedToken: string;
        /** True when this re-invite refreshed an existing invitation (new token, new expiry). */
        refreshed: boolean;
      };
    }
  | {
      type: 'InvitationAccepted';
      data: {
        organizationId: string;
        organizationName: string;
        membershipId: string;
        userId: string;
        email: string;
        /** `link`: an existing account accepted; `sign-up`: the account was created with the invitation token. */
        via: 'link' | 'sign-up';
      };
    }
  | {
      type: 'MembershipRemoved';
      data: {
        organizationId: string;
        membershipId: string;
        /** Null for a membership that was still an invitation. */
        userId: string | null;
        email: string;
        reason: MembershipRemovalReason;
      };
    }
  | {
      type: 'TeamMembersAdded' | 'TeamMembersRemoved';
      data: {
        organizationId: string;
        teamId: string;
        membershipIds: string[];
        /** The users of those memberships that are active (invited ones have none yet). */
        userIds: string[];
      };
    };

export type MembershipEventType = MembershipIntegrationEvent['type'];

export type CollaboratorAuthPolicy = 'password' | 'two_factor_mandatory';
export type TeamVisibility = 'secret' | 'organization';
export type MembershipStatus = 'invited' | 'active';
export type MembershipRemovalReason =
  'left' | 'removed' | 'invitation-cancelled' | 'organization-deleted' | 'account-deleted';

/** `SecretBox` contexts of membership's sealed tokens. The clear invitation token is `<organizationId>.<secret>` (a 256-bit secret). */
export const MEMBERSHIP_SEAL_CONTEXT = {
  invitation: 'invitation',
} as const;

/** Token types an organization may bound with a maximum lifetime (TFC-API §5.4, `token-type`). */
export const TOKEN_TTL_TYPES = ['organization', 'team', 'user', 'audit_trails', 'metrics'] as const;
export type TokenTtlType = (typeof TOKEN_TTL_TYPES)[number];

/** The longest lifetime (`expired-at` − creation) a token of `tokenType` may have to act in the organization. */
export interface TokenTtlPolicy {
  tokenType: TokenTtlType;
  /** Milliseconds, a positive integer of at most `MAX_TOKEN_TTL_MS`. */
  maxTtlMs: number;
  createdAt: string;
  updatedAt: string;
}

/** The largest `max-ttl-ms` accepted: two years (TFC's longest token expiry choice is two years too). */
export const MAX_TOKEN_TTL_MS = 2 * 365 * 24 * 60 * 60 * 1000;
