import { type Decider, DomainError } from '@idp/eventing';

/**
 * Brute-force protection for one login name (stream `login-<sha256 of the lower-cased login>`, so unknown logins
 * are throttled exactly like real ones and the stream name reveals nothing).
 *
 * An attempt is *admitted* before the password is checked: `AdmitAttempt` appends `LoginAttemptAdmitted` with the
 * expected revision, so concurrent attempts serialise on the stream and each sees the ones before it. Parallel
 * requests therefore cannot slip past the lock by all reading "no failures yet" (the classic check-then-act race).
 * A success clears the count; each failure counts. From the `freeAttempts`-th consecutive failure on, the login is
 * locked for a growing interval: `baseLockSeconds × 2^(failures − freeAttempts)`, capped at `maxLockSeconds`.
 */
export interface ThrottlePolicy {
  freeAttempts: number;
  baseLockSeconds: number;
  maxLockSeconds: number;
}

export const DEFAULT_THROTTLE: ThrottlePolicy = {
  freeAttempts: 5,
  baseLockSeconds: 2,
  maxLockSeconds: 15 * 60,
};

export type LoginThrottleEvent =
  | { type: 'LoginAttemptAdmitted'; data: { at: string } }
  | { type: 'LoginFailed'; data: { at: string } }
  | { type: 'LoginSucceeded'; data: { at: string } };

export type LoginThrottleCommand =
  | { type: 'AdmitAttempt'; data: { now: string } }
  | { type: 'RecordFailure'; data: { now: string } }
  | { type: 'RecordSuccess'; data: { now: string } };

export interface LoginThrottleState {
  /** Consecutive failures, counting admitted attempts whose outcome is not recorded yet. */
  failures: number;
  /** Admitted attempts without an outcome yet (in flight, or crashed: then they count as failures). */
  inFlight: number;
  lastAttemptAt?: string;
}

export class LoginLocked extends DomainError {
  constructor(readonly retryAfterSeconds: number) {
    super('LOGIN.LOCKED', 'Too many failed login attempts. Try again later.', { retryAfterSeconds });
  }
}

export const lockSeconds = (failures: number, policy: ThrottlePolicy = DEFAULT_THROTTLE): number =>
  failures < policy.freeAttempts
    ? 0
    : Math.min(policy.maxLockSeconds, policy.baseLockSeconds * 2 ** (failures - policy.freeAttempts));

export const loginThrottleDecider = (
  policy: ThrottlePolicy = DEFAULT_THROTTLE,
): Decider<LoginThrottleCommand, LoginThrottleEvent, LoginThrottleState> => ({
  initialState: () => ({ failures: 0, inFlight: 0 }),
  evolve: (state, event) => {
    switch (event.type) {
      // An admitted attempt counts as a failure until it reports otherwise: a caller that dies mid-check
      // must not have bought a free attempt.
      case 'LoginAttemptAdmitted':
        return { failures: state.failures + 1, inFlight: state.inFlight + 1, lastAttemptAt: event.data.at };
      case 'LoginFailed':
        return { ...state, inFlight: Math.max(0, state.inFlight - 1) };
      case 'LoginSucceeded':
        return { failures: 0, inFlight: 0, lastAttemptAt: state.lastAttemptAt };
    }
  },
  decide: (command, state) => {
    switch (command.type) {
      case 'AdmitAttempt': {
        const wait = lockSeconds(state.failures, policy);
        if (wait > 0 && state.lastAttemptAt) {
          const remaining = Date.parse(state.lastAttemptAt) + wait * 1000 - Date.parse(command.data.now);
          if (remaining > 0) throw new LoginLocked(Math.ceil(remaining / 1000));
        }
        return [{ type: 'LoginAttemptAdmitted', data: { at: command.data.now } }];
      }
      case 'RecordFailure':
        return [{ type: 'LoginFailed', data: { at: command.data.now } }];
      case 'RecordSuccess':
        return state.failures === 0 && state.inFlight === 0
          ? []
          : [{ type: 'LoginSucceeded', data: { at: command.data.now } }];
    }
  },
});
