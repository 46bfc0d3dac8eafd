/**
 * Events the token service publishes on `token.events` (integration events: the relay maps its stored events to
 * these). Never a secret and never its hash: consumers (the gateway's verification cache) key by `sessionId` / `tokenId`.
 */
export type SessionEndReason =
  'logout' | 'revoked' | 'password-reset' | 'account-suspended' | 'account-deleted' | 'expired';

export type UserTokenRevokeReason = 'revoked' | 'account-deleted';

export type TokenIntegrationEvent =
  | {
      type: 'SessionStarted';
      data: { sessionId: string; userId: string; startedAt: string; absoluteExpiresAt: string };
    }
  | {
      type: 'SessionEnded';
      data: { sessionId: string; userId: string; reason: SessionEndReason; endedAt: string };
    }
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
  /** The user's tokens stop verifying while the account is suspended (they work again after unsuspension). */
  | { type: 'UserTokensSuspended'; data: { userId: string } }
  | { type: 'UserTokensUnsuspended'; data: { userId: string } };

export type TokenEventType = TokenIntegrationEvent['type'];
