import { type Decider, DomainError } from '@idp/eventing';

/**
 * Brute-force protection for one login name (stream `login-<sha256 of the lower-cased login>`, so unknown logins
 * are throttled exactly like real ones and the stream name reveals nothing).
 *
 * Only failures are recorded (`LoginFailed`), and a success after failures (`LoginSucceeded`): a login with a clean
 * record costs no append. `AdmitAttempt` decides from the recorded failures whether an attempt may check a
 * password at all. The check-then-act race of parallel attempts (all reading "no failures yet") is closed by the
 * caller, which runs the attempts of one login one at a time per process (see `authenticate`): across R replicas
 * at most R attempts are checked at once, so at most `freeAttempts + R − 1` pass before the lock.
 * From the `freeAttempts`-th consecutive failure on, the login is locked for a growing interval:
 * `baseLockSeconds × 2^(failures − freeAttempts)`, capped at `maxLockSeconds`.
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
  { type: 'LoginFailed'; data: { at: string } } | { type: 'LoginSucceeded'; data: { at: string } };

export type LoginThrottleCommand =
  | { type: 'AdmitAttempt'; data: { now: string } }
  | { type: 'RecordFailure'; data: { now: string } }
  | { type: 'RecordSuccess'; data: { now: string } };

export interface LoginThrottleState {
  /** Consecutive failures since the last success. */
  failures: number;
  lastFailureAt?: string;
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
  initialState: () => ({ failures: 0 }),
  evolve: (state, event) => {
    switch (event.type) {
      case 'LoginFailed':
        return { failures: state.failures + 1, lastFailureAt: event.data.at };
      case 'LoginSucceeded':
        return { failures: 0 };
    }
  },
  decide: (command, state) => {
    switch (command.type) {
      case 'AdmitAttempt': {
        const wait = lockSeconds(state.failures, policy);
        if (wait > 0 && state.lastFailureAt) {
          const remaining = Date.parse(state.lastFailureAt) + wait * 1000 - Date.parse(command.data.now);
          if (remaining > 0) throw new LoginLocked(Math.ceil(remaining / 1000));
        }
        return [];
      }
      case 'RecordFailure':
        return [{ type: 'LoginFailed', data: { at: command.data.now } }];
      case 'RecordSuccess':
        return state.failures === 0 ? [] : [{ type: 'LoginSucceeded', data: { at: command.data.now } }];
    }
  },
});
