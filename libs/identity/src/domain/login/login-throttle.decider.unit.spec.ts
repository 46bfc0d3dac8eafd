import { spec } from '@idp/eventing/testing';
import {
  LoginLocked,
  type LoginThrottleEvent,
  lockSeconds,
  loginThrottleDecider,
} from './login-throttle.decider';

const T0 = Date.parse('2026-11-26T10:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
const failed = (seconds: number): LoginThrottleEvent => ({ type: 'LoginFailed', data: { at: at(seconds) } });
const throttle = spec(loginThrottleDecider());

describe('login throttle', () => {
  it('admits attempts freely, recording nothing, while there are fewer failures than the free attempts', () => {
    throttle
      .given([])
      .when({ type: 'AdmitAttempt', data: { now: at(0) } })
      .thenNothingHappened();
    throttle
      .given([0, 1, 2, 3].map(failed))
      .when({ type: 'AdmitAttempt', data: { now: at(4) } })
      .thenNothingHappened();
  });

  it('records each failure', () => {
    throttle
      .given([])
      .when({ type: 'RecordFailure', data: { now: at(0) } })
      .then([failed(0)]);
  });

  it('locks after the free attempts, for a growing interval from the last failure', () => {
    expect([4, 5, 6, 7, 20].map((f) => lockSeconds(f))).toEqual([0, 2, 4, 8, 900]);
    const five = [0, 0, 0, 0, 0].map(failed);
    const err = throttle
      .given(five)
      .when({ type: 'AdmitAttempt', data: { now: at(1) } })
      .thenThrows(LoginLocked, { code: 'LOGIN.LOCKED' });
    expect((err as LoginLocked).retryAfterSeconds).toBe(1);
    throttle
      .given(five)
      .when({ type: 'AdmitAttempt', data: { now: at(2) } })
      .thenNothingHappened();
    const six = [...five, failed(2)];
    throttle
      .given(six)
      .when({ type: 'AdmitAttempt', data: { now: at(5) } })
      .thenThrows(LoginLocked);
    throttle
      .given(six)
      .when({ type: 'AdmitAttempt', data: { now: at(6) } })
      .thenNothingHappened();
  });

  it('clears the count on a success after failures; a clean success records nothing', () => {
    throttle
      .given([0, 0, 0, 0].map(failed))
      .when({ type: 'RecordSuccess', data: { now: at(1) } })
      .then([{ type: 'LoginSucceeded', data: { at: at(1) } }]);
    throttle
      .given([...[0, 0, 0, 0, 0].map(failed), { type: 'LoginSucceeded', data: { at: at(0) } }])
      .when({ type: 'AdmitAttempt', data: { now: at(0) } })
      .thenNothingHappened();
    throttle
      .given([])
      .when({ type: 'RecordSuccess', data: { now: at(0) } })
      .thenNothingHappened();
  });
});
