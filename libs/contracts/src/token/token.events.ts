/**
 * Events the token service publishes on `token.events` (integration events: the relay maps its stored events to
 * these). Never a secret and never its hash: consumers (the gateway's verification cache) key by `sessionId`.
 */
export type SessionEndReason =
  'logout' | 'revoked' | 'password-reset' | 'account-suspended' | 'account-deleted' | 'expired';

export type TokenIntegrationEvent =
  | {
      type: 'SessionStarted';
      data: { sessionId: string; userId: string; startedAt: string; absoluteExpiresAt: string };
    }
  | {
      type: 'SessionEnded';
      data: { sessionId: string; userId: string; reason: SessionEndReason; endedAt: string };
    };

export type TokenEventType = TokenIntegrationEvent['type'];
