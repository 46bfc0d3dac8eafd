import { spec } from '@idp/eventing/testing';
import { sessionDecider, type SessionEvent, SessionNotFound } from './session.decider';

const T0 = '2026-12-06T10:00:00.000Z';
const T1 = '2026-12-06T10:00:20.000Z';
const ABSOLUTE = '2026-12-06T22:00:00.000Z';

const pendingStarted: SessionEvent = {
  type: 'SessionStarted',
  data: {
    sessionId: 'sess-1',
    userId: 'user-1',
    tokenHash: 'a'.repeat(64),
    startedAt: T0,
    absoluteExpiresAt: ABSOLUTE,
    twoFactorPending: true,
  },
};
const completed: SessionEvent = {
  type: 'SessionTwoFactorCompleted',
  data: { sessionId: 'sess-1', userId: 'user-1', completedAt: T1 },
};
const complete = (ownerId = 'user-1') => ({ type: 'CompleteTwoFactor' as const, data: { now: T1, ownerId } });

const session = spec(sessionDecider);

describe('session: a login owing its second factor', () => {
  it('starts pending', () => {
    session
      .given([])
      .when({
        type: 'StartSession',
        data: {
          sessionId: 'sess-1',
          userId: 'user-1',
          tokenHash: 'a'.repeat(64),
          now: T0,
          absoluteExpiresAt: ABSOLUTE,
          twoFactorPending: true,
        },
      })
      .then([pendingStarted]);
  });

  it('completing it records the completion; the state is a full session', () => {
    session.given([pendingStarted]).when(complete()).then([completed]);
    session
      .given([pendingStarted])
      .when(complete())
      .thenState((s) => {
        expect(s).toMatchObject({ status: 'live', sessionId: 'sess-1' });
        expect((s as { twoFactorPending?: true }).twoFactorPending).toBeUndefined();
      });
  });

  it('completing twice, or a session that never owed one, changes nothing', () => {
    session.given([pendingStarted, completed]).when(complete()).thenNothingHappened();
    session
      .given([{ ...pendingStarted, data: { ...pendingStarted.data, twoFactorPending: undefined } }])
      .when(complete())
      .thenNothingHappened();
  });

  it("an ended session, an unknown one, or someone else's cannot be completed", () => {
    const ended: SessionEvent = {
      type: 'SessionEnded',
      data: { sessionId: 'sess-1', userId: 'user-1', reason: 'logout', endedAt: T1 },
    };
    session.given([pendingStarted, ended]).when(complete()).thenThrows(SessionNotFound);
    session.given([]).when(complete()).thenThrows(SessionNotFound);
    session.given([pendingStarted]).when(complete('user-2')).thenThrows(SessionNotFound);
  });
});
