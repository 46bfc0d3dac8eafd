import { spec } from '@idp/eventing/testing';
import {
  ImpersonationForbidden,
  ImpersonationReasonRequired,
  InvalidSessionExpiry,
  SessionAlreadyExists,
  sessionDecider,
  type SessionEvent,
  SessionNotExpired,
  SessionNotFound,
} from './session.decider';

const T0 = '2026-11-26T10:00:00.000Z';
const T1 = '2026-11-26T10:30:00.000Z';
const ABSOLUTE = '2026-11-26T22:00:00.000Z';

const started: SessionEvent = {
  type: 'SessionStarted',
  data: {
    sessionId: 'sess-1',
    userId: 'user-1',
    tokenHash: 'a'.repeat(64),
    startedAt: T0,
    absoluteExpiresAt: ABSOLUTE,
    ip: '203.0.113.7',
    userAgent: 'Firefox',
  },
};
const endedBy = (reason: Extract<SessionEvent, { type: 'SessionEnded' }>['data']['reason'], at = T1) =>
  ({
    type: 'SessionEnded',
    data: { sessionId: 'sess-1', userId: 'user-1', reason, endedAt: at },
  }) satisfies SessionEvent;

const session = spec(sessionDecider);

describe('session: start', () => {
  const start = (over: Record<string, unknown> = {}) => ({
    type: 'StartSession' as const,
    data: {
      sessionId: 'sess-1',
      userId: 'user-1',
      tokenHash: 'a'.repeat(64),
      now: T0,
      absoluteExpiresAt: ABSOLUTE,
      ip: '203.0.113.7',
      userAgent: 'Firefox',
      ...over,
    },
  });

  it('starts a session holding only the hash of its secret', () => {
    session.given([]).when(start()).then([started]);
  });

  it('refuses a second start on the same id (ids are random; a collision must not merge two sessions)', () => {
    session
      .given([started])
      .when(start())
      .thenThrows(SessionAlreadyExists, { code: 'SESSION.ALREADY_EXISTS' });
  });

  it('refuses a session that would be expired at birth', () => {
    session
      .given([])
      .when(start({ absoluteExpiresAt: T0 }))
      .thenThrows(InvalidSessionExpiry);
  });
});

describe('session: impersonation (TFC-API §10)', () => {
  const impersonation = {
    impersonatorId: 'user-admin',
    reason: 'ticket 42',
    returnToSessionId: 'sess-admin',
  };
  const startAs = (over: Record<string, unknown> = {}) => ({
    type: 'StartSession' as const,
    data: {
      sessionId: 'sess-1',
      userId: 'user-1',
      tokenHash: 'a'.repeat(64),
      now: T0,
      absoluteExpiresAt: ABSOLUTE,
      impersonation,
      ...over,
    },
  });

  it('starts an impersonation session recording the impersonator, the reason and the session to return to', () => {
    session
      .given([])
      .when(startAs())
      .then([
        {
          type: 'SessionStarted',
          data: {
            sessionId: 'sess-1',
            userId: 'user-1',
            tokenHash: 'a'.repeat(64),
            startedAt: T0,
            absoluteExpiresAt: ABSOLUTE,
            impersonation,
          },
        },
      ]);
  });

  it('refuses impersonating oneself (403) and an empty reason (400)', () => {
    session
      .given([])
      .when(startAs({ impersonation: { ...impersonation, impersonatorId: 'user-1' } }))
      .thenThrows(ImpersonationForbidden, { code: 'IMPERSONATION.FORBIDDEN' });
    session
      .given([])
      .when(startAs({ impersonation: { ...impersonation, reason: '  ' } }))
      .thenThrows(ImpersonationReasonRequired, { code: 'IMPERSONATION.REASON_REQUIRED' });
  });
});

describe('session: end', () => {
  const end = (reason: 'logout' | 'revoked' | 'password-reset' = 'logout', ownerId = 'user-1') => ({
    type: 'EndSession' as const,
    data: { reason, now: T1, ownerId },
  });

  it('ends a live session with its reason', () => {
    session
      .given([started])
      .when(end())
      .then([endedBy('logout')]);
    session
      .given([started])
      .when(end('password-reset'))
      .then([endedBy('password-reset')]);
  });

  it("answers someone else's session exactly like a missing one", () => {
    session
      .given([started])
      .when(end('logout', 'user-2'))
      .thenThrows(SessionNotFound, { code: 'SESSION.NOT_FOUND' });
    session.given([]).when(end()).thenThrows(SessionNotFound);
  });

  it('ending an ended session changes nothing', () => {
    session
      .given([started, endedBy('revoked')])
      .when(end())
      .thenNothingHappened();
    session
      .given([started, endedBy('revoked')])
      .when(end('logout', 'user-2'))
      .thenThrows(SessionNotFound);
  });

  it('leaves the session ended', () => {
    session
      .given([started])
      .when(end())
      .thenState((s) => expect(s.status).toBe('ended'));
  });
});

describe('session: expire', () => {
  const expire = (now: string, idleExpiresAt: string) => ({
    type: 'ExpireSession' as const,
    data: { now, idleExpiresAt },
  });

  it('ends a session at its idle deadline, not before', () => {
    session
      .given([started])
      .when(expire('2026-11-26T11:00:00.000Z', '2026-11-26T11:00:00.000Z'))
      .then([endedBy('expired', '2026-11-26T11:00:00.000Z')]);
    session
      .given([started])
      .when(expire('2026-11-26T10:59:59.999Z', '2026-11-26T11:00:00.000Z'))
      .thenThrows(SessionNotExpired);
  });

  it('ends a session at its absolute deadline however recently it was seen', () => {
    session
      .given([started])
      .when(expire(ABSOLUTE, '2026-11-26T22:30:00.000Z'))
      .then([endedBy('expired', ABSOLUTE)]);
  });

  it('expiring an ended session changes nothing; an unknown one is not found', () => {
    session
      .given([started, endedBy('logout')])
      .when(expire(ABSOLUTE, ABSOLUTE))
      .thenNothingHappened();
    session.given([]).when(expire(ABSOLUTE, ABSOLUTE)).thenThrows(SessionNotFound);
  });
});
