/**
 * How long a browser session lives. Two limits, whichever comes first:
 * - idle: no verified request for `idleTimeoutMs` since the session was last seen;
 * - absolute: `absoluteTimeoutMs` after it started, however active it is (fixed at start, in the event).
 * A session is expired AT its deadline (`now >= deadline`), not one millisecond later.
 */
export interface SessionPolicy {
  idleTimeoutMs: number;
  absoluteTimeoutMs: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** 1 h idle, 12 h absolute: a working day, and an unattended browser is logged out within the hour. */
export const DEFAULT_SESSION_POLICY: SessionPolicy = { idleTimeoutMs: HOUR, absoluteTimeoutMs: 12 * HOUR };

export class InvalidSessionPolicy extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidSessionPolicy';
  }
}

export const validateSessionPolicy = (policy: SessionPolicy): SessionPolicy => {
  const { idleTimeoutMs, absoluteTimeoutMs } = policy;
  if (!Number.isSafeInteger(idleTimeoutMs) || idleTimeoutMs < MINUTE)
    throw new InvalidSessionPolicy(
      'the idle timeout must be a whole number of milliseconds, at least 1 minute',
    );
  if (!Number.isSafeInteger(absoluteTimeoutMs) || absoluteTimeoutMs < idleTimeoutMs)
    throw new InvalidSessionPolicy('the absolute timeout must be at least the idle timeout');
  return policy;
};

export interface SessionTimes {
  /** ISO 8601. */
  startedAt: string;
  absoluteExpiresAt: string;
}

export interface SessionDeadlines {
  /** Epoch milliseconds. */
  idleExpiresAt: number;
  absoluteExpiresAt: number;
  /** The earlier of the two: when the session stops working unless it is seen again first. */
  expiresAt: number;
}

/** Deadlines of a session last seen at `lastSeenAt` (epoch ms; never taken as earlier than its start). */
export const sessionDeadlines = (
  session: SessionTimes,
  lastSeenAt: number,
  policy: SessionPolicy,
): SessionDeadlines => {
  const seen = Math.max(lastSeenAt, Date.parse(session.startedAt));
  const idleExpiresAt = seen + policy.idleTimeoutMs;
  const absoluteExpiresAt = Date.parse(session.absoluteExpiresAt);
  return { idleExpiresAt, absoluteExpiresAt, expiresAt: Math.min(idleExpiresAt, absoluteExpiresAt) };
};

export const isExpiredAt = (deadlines: Pick<SessionDeadlines, 'expiresAt'>, now: number): boolean =>
  now >= deadlines.expiresAt;
