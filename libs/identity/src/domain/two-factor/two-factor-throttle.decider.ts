import { type Decider, DomainError } from '@idp/eventing';

/**
 * Code attempts of one user (stream `two-factor-attempts-<userId>`): at most `perMinute` in any sliding minute
 * (TFC-API §1.8: `POST /session/two-factor`, `…/two-factor-recovery`, 5/min per user), enabling included.
 *
 * EVERY attempt is recorded before its code is checked, with the stream's expected revision: of parallel attempts
 * that all read "4 so far", one append wins and the others re-decide against 5 and are refused. So the limit
 * holds across replicas, not only within one process (the caller also serialises a user's attempts per process,
 * which only spares the retries).
 */
export const TWO_FACTOR_ATTEMPTS_PER_MINUTE = 5;

export type TwoFactorThrottleEvent = { type: 'TwoFactorAttempted'; data: { at: string } };
export type TwoFactorThrottleCommand = { type: 'AdmitAttempt'; data: { now: string } };
export interface TwoFactorThrottleState {
  /** The latest attempts, oldest first (at most `perMinute`: older ones can no longer refuse anything). */
  recent: string[];
}

export class TooManyTwoFactorAttempts extends DomainError {
  constructor(readonly retryAfterSeconds: number) {
    super('TWO_FACTOR.TOO_MANY_ATTEMPTS', 'Too many two-factor attempts. Try again later.', {
      retryAfterSeconds,
    });
  }
}

export const twoFactorThrottleDecider = (
  perMinute = TWO_FACTOR_ATTEMPTS_PER_MINUTE,
): Decider<TwoFactorThrottleCommand, TwoFactorThrottleEvent, TwoFactorThrottleState> => ({
  initialState: () => ({ recent: [] }),
  evolve: (state, event) => ({ recent: [...state.recent, event.data.at].slice(-perMinute) }),
  decide: (command, state) => {
    const now = Date.parse(command.data.now);
    const inWindow = state.recent.filter((at) => now - Date.parse(at) < 60_000);
    if (inWindow.length >= perMinute) {
      const waitMs = Date.parse(inWindow[inWindow.length - perMinute]!) + 60_000 - now;
      throw new TooManyTwoFactorAttempts(Math.max(1, Math.ceil(waitMs / 1000)));
    }
    return [{ type: 'TwoFactorAttempted', data: { at: command.data.now } }];
  },
});

export const twoFactorAttemptsStream = (userId: string) => `two-factor-attempts-${userId}`;
