import {
  DEFAULT_SESSION_POLICY,
  InvalidSessionPolicy,
  isExpiredAt,
  sessionDeadlines,
  validateSessionPolicy,
} from './session-policy';

const at = (iso: string) => Date.parse(iso);
const session = { startedAt: '2026-11-26T10:00:00.000Z', absoluteExpiresAt: '2026-11-26T22:00:00.000Z' };

describe('session policy', () => {
  it('expires after 1 h idle or 12 h in all, whichever comes first', () => {
    const fresh = sessionDeadlines(session, at(session.startedAt), DEFAULT_SESSION_POLICY);
    expect(fresh.expiresAt).toBe(at('2026-11-26T11:00:00.000Z'));
    const lateActivity = sessionDeadlines(session, at('2026-11-26T21:30:00.000Z'), DEFAULT_SESSION_POLICY);
    expect(lateActivity.expiresAt).toBe(at(session.absoluteExpiresAt));
  });

  it('is expired at the deadline, not a millisecond later', () => {
    const d = sessionDeadlines(session, at(session.startedAt), DEFAULT_SESSION_POLICY);
    expect(isExpiredAt(d, d.expiresAt - 1)).toBe(false);
    expect(isExpiredAt(d, d.expiresAt)).toBe(true);
  });

  it('never counts last-seen as earlier than the start', () => {
    const d = sessionDeadlines(session, 0, DEFAULT_SESSION_POLICY);
    expect(d.idleExpiresAt).toBe(at('2026-11-26T11:00:00.000Z'));
  });

  it('refuses a policy that cannot work', () => {
    expect(() => validateSessionPolicy({ idleTimeoutMs: 0, absoluteTimeoutMs: 1 })).toThrow(
      InvalidSessionPolicy,
    );
    expect(() => validateSessionPolicy({ idleTimeoutMs: 7_200_000, absoluteTimeoutMs: 3_600_000 })).toThrow(
      InvalidSessionPolicy,
    );
    expect(validateSessionPolicy(DEFAULT_SESSION_POLICY)).toBe(DEFAULT_SESSION_POLICY);
  });
});
