import { InMemoryEventStore, handleCommand } from '@idp/eventing';
import { spec } from '@idp/eventing/testing';
import {
  DEFAULT_THROTTLE,
  LoginLocked,
  type LoginThrottleEvent,
  lockSeconds,
  loginThrottleDecider,
} from './login-throttle.decider';

const T0 = Date.parse('2026-11-26T10:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
const failedAttempt = (seconds: number): LoginThrottleEvent[] => [
  { type: 'LoginAttemptAdmitted', data: { at: at(seconds) } },
  { type: 'LoginFailed', data: { at: at(seconds) } },
];
const throttle = spec(loginThrottleDecider());

describe('login throttle', () => {
  it('admits the first attempts freely', () => {
    throttle
      .given([])
      .when({ type: 'AdmitAttempt', data: { now: at(0) } })
      .then([{ type: 'LoginAttemptAdmitted', data: { at: at(0) } }]);
    throttle
      .given([0, 1, 2, 3].flatMap(failedAttempt))
      .when({ type: 'AdmitAttempt', data: { now: at(4) } })
      .then([{ type: 'LoginAttemptAdmitted', data: { at: at(4) } }]);
  });

  it('locks after the free attempts, for a growing interval', () => {
    expect([4, 5, 6, 7, 20].map((f) => lockSeconds(f))).toEqual([0, 2, 4, 8, 900]);
    const five = [0, 0, 0, 0, 0].flatMap(failedAttempt);
    const err = throttle
      .given(five)
      .when({ type: 'AdmitAttempt', data: { now: at(1) } })
      .thenThrows(LoginLocked, { code: 'LOGIN.LOCKED' });
    expect((err as LoginLocked).retryAfterSeconds).toBe(1);
    throttle
      .given(five)
      .when({ type: 'AdmitAttempt', data: { now: at(2) } })
      .then([{ type: 'LoginAttemptAdmitted', data: { at: at(2) } }]);
    const six = [...five, ...failedAttempt(2)];
    throttle
      .given(six)
      .when({ type: 'AdmitAttempt', data: { now: at(5) } })
      .thenThrows(LoginLocked);
    throttle
      .given(six)
      .when({ type: 'AdmitAttempt', data: { now: at(6) } })
      .then([{ type: 'LoginAttemptAdmitted', data: { at: at(6) } }]);
  });

  it('counts an attempt whose outcome never arrives as a failure', () => {
    const admittedOnly = [0, 0, 0, 0, 0].map((s): LoginThrottleEvent => ({
      type: 'LoginAttemptAdmitted',
      data: { at: at(s) },
    }));
    throttle
      .given(admittedOnly)
      .when({ type: 'AdmitAttempt', data: { now: at(1) } })
      .thenThrows(LoginLocked);
  });

  it('clears the count on success', () => {
    throttle
      .given([...[0, 0, 0, 0].flatMap(failedAttempt), { type: 'LoginAttemptAdmitted', data: { at: at(1) } }])
      .when({ type: 'RecordSuccess', data: { now: at(1) } })
      .then([{ type: 'LoginSucceeded', data: { at: at(1) } }]);
    throttle
      .given([...[0, 0, 0, 0, 0].flatMap(failedAttempt), { type: 'LoginSucceeded', data: { at: at(0) } }])
      .when({ type: 'AdmitAttempt', data: { now: at(0) } })
      .then([{ type: 'LoginAttemptAdmitted', data: { at: at(0) } }]);
    throttle
      .given([])
      .when({ type: 'RecordSuccess', data: { now: at(0) } })
      .thenNothingHappened();
  });

  it('cannot be bypassed by parallel attempts: of 50 at once, only the free attempts are admitted', async () => {
    const store = new InMemoryEventStore();
    const decider = loginThrottleDecider();
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () =>
        handleCommand(
          store,
          'login-x',
          decider,
          { type: 'AdmitAttempt', data: { now: at(0) } },
          { maxRetries: 100, backoff: async () => {} },
        ),
      ),
    );
    const admitted = results.filter((r) => r.status === 'fulfilled');
    expect(admitted).toHaveLength(DEFAULT_THROTTLE.freeAttempts);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(LoginLocked);
  });
});
