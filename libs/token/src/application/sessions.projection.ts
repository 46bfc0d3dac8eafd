import { defineProjection, type ReadModel, type RecordedEvent } from '@idp/eventing';
import type { SessionEvent } from '../domain/session/session.decider';

/**
 * A live session as verification needs it, keyed by the SHA-256 of its secret: `verify-credential` is one
 * `get(sha256(token))`. Ended sessions are deleted (a tombstone stays, so a replayed start cannot revive them);
 * expired ones stay until something ends them (verification does, lazily) and are filtered by every reader.
 */
export interface SessionDocument {
  /** SHA-256 (hex) of the session secret. */
  id: string;
  sessionId: string;
  userId: string;
  startedAt: string;
  absoluteExpiresAt: string;
  ip: string | null;
  userAgent: string | null;
  /** Impersonation sessions (TFC-API §10): the site admin, the reason, the admin's session to return to. */
  impersonatorId?: string | null;
  impersonationReason?: string | null;
  returnToSessionId?: string | null;
  /** A login still owing its second factor (the gateway lets it do nothing else); absent or false: complete. */
  twoFactorPending?: boolean;
}

export const sessionsModel: ReadModel<SessionDocument> = {
  name: 'sessions',
  indexes: [{ sessionId: 1 }, { userId: 1, startedAt: -1 }, { impersonatorId: 1 }],
};

type Recorded = RecordedEvent & SessionEvent;

export const sessionsProjection = defineProjection<{ sessions: SessionDocument }>({
  name: 'sessions',
  version: 1,
  handles: ['SessionStarted', 'SessionEnded', 'SessionTwoFactorCompleted'],
  readModels: { sessions: sessionsModel },
  async apply(raw, { sessions }) {
    const event = raw as Recorded;
    switch (event.type) {
      case 'SessionStarted': {
        const {
          tokenHash,
          sessionId,
          userId,
          startedAt,
          absoluteExpiresAt,
          ip,
          userAgent,
          impersonation,
          twoFactorPending,
        } = event.data;
        await sessions.put(
          {
            id: tokenHash,
            sessionId,
            userId,
            startedAt,
            absoluteExpiresAt,
            ip: ip ?? null,
            userAgent: userAgent ?? null,
            ...(impersonation && {
              impersonatorId: impersonation.impersonatorId,
              impersonationReason: impersonation.reason,
              returnToSessionId: impersonation.returnToSessionId,
            }),
            ...(twoFactorPending && { twoFactorPending: true }),
          },
          event.position,
        );
        return;
      }
      case 'SessionTwoFactorCompleted': {
        const [doc] = await sessions.find({ where: { sessionId: event.data.sessionId }, limit: 1 });
        if (doc) await sessions.patch(doc.id, { twoFactorPending: false }, event.position);
        return;
      }
      case 'SessionEnded': {
        // Replayed after the delete, the find comes back empty: nothing to do, as it should be.
        const [doc] = await sessions.find({ where: { sessionId: event.data.sessionId }, limit: 1 });
        if (doc) await sessions.delete(doc.id, event.position);
        return;
      }
    }
  },
});
