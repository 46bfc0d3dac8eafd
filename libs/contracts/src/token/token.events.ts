import type { OrganizationTokenKind, TokenCreator } from './organization-token.messages';
import type { TeamTokenCreator } from './team-token.messages';

/**
 * Events the token service publishes on `token.events` (integration events: the relay maps its stored events to
 * these). Never a secret and never its hash: consumers (the gateway's verification cache) key by `sessionId` / `tokenId`.
 */
export type SessionEndReason =
  'logout' | 'revoked' | 'password-reset' | 'account-suspended' | 'account-deleted' | 'expired';

export type UserTokenRevokeReason = 'revoked' | 'account-deleted';

/** `replaced`: a new token of that kind was created; `deleted`: DELETE; `organization-deleted`: its organization. */
export type OrganizationTokenRevokeReason = 'replaced' | 'deleted' | 'organization-deleted';

/**
 * `replaced`: a new legacy token of the team was created; `deleted`: DELETE (one or bulk); `team-deleted`,
 * `organization-deleted`: its team or organization.
 */
export type TeamTokenRevokeReason = 'replaced' | 'deleted' | 'team-deleted' | 'organization-deleted';

/**
 * An organization's token TTL policy (TFC-API §5.4) now bounds a team or organization token's lifetime more tightly
 * than its `expired-at` did: the token's `expired-at` became `createdAt + max-ttl` (possibly already past: it stops
 * verifying at once). Caches holding the token drop it.
 */
export type TokenExpiryShortenedReason = 'ttl-policy';

export type TokenIntegrationEvent =
  | {
      type: 'SessionStarted';
      data: { sessionId: string; userId: string; startedAt: string; absoluteExpiresAt: string };
    }
  | {
      type: 'SessionEnded';
      data: { sessionId: string; userId: string; reason: SessionEndReason; endedAt: string };
    }
  /** A login's second factor was accepted: caches holding the session as restricted drop it. */
  | { type: 'SessionTwoFactorCompleted'; data: { sessionId: string; userId: string; completedAt: string } }
  | {
      type: 'UserTokenCreated';
      data: {
        tokenId: string;
        userId: string;
        description: string | null;
        expiredAt: string | null;
        createdAt: string;
        createdBy: string;
      };
    }
  | { type: 'UserTokenRevoked'; data: { tokenId: string; userId: string; reason: UserTokenRevokeReason } }
  | {
      type: 'TeamTokenExpiryShortened' | 'OrganizationTokenExpiryShortened';
      data: {
        tokenId: string;
        organizationId: string;
        expiredAt: string;
        reason: TokenExpiryShortenedReason;
      };
    }
  /** The user's tokens stop verifying while the account is suspended (they work again after unsuspension). */
  | { type: 'UserTokensSuspended'; data: { userId: string } }
  | { type: 'UserTokensUnsuspended'; data: { userId: string } }
  | {
      type: 'OrganizationTokenCreated';
      data: {
        tokenId: string;
        organizationId: string;
        organizationName: string;
        kind: OrganizationTokenKind;
        expiredAt: string | null;
        createdAt: string;
        createdBy: TokenCreator;
      };
    }
  | {
      type: 'OrganizationTokenRevoked';
      data: {
        tokenId: string;
        organizationId: string;
        kind: OrganizationTokenKind;
        reason: OrganizationTokenRevokeReason;
      };
    }
  | {
      type: 'TeamTokenCreated';
      data: {
        tokenId: string;
        teamId: string;
        organizationId: string;
        description: string | null;
        expiredAt: string | null;
        createdAt: string;
        createdBy: TeamTokenCreator;
      };
    }
  | {
      type: 'TeamTokenRevoked';
      data: { tokenId: string; teamId: string; organizationId: string; reason: TeamTokenRevokeReason };
    };

export type TokenEventType = TokenIntegrationEvent['type'];
