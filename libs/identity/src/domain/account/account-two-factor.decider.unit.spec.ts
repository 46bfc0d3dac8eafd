import { spec } from '@idp/eventing/testing';
import {
  AccountNotFound,
  AccountSuspended,
  accountDecider,
  type AccountCommand,
  type AccountEvent,
  InvalidCurrentPassword,
  InvalidRecoveryCode,
  InvalidSmsNumber,
  InvalidTwoFactorCode,
  SmsNotConfigured,
  TooManySmsCodes,
  TwoFactorAlreadyEnabled,
  TwoFactorNotEnabled,
  TwoFactorNotPending,
} from './account.decider';
import {
  TooManyTwoFactorAttempts,
  twoFactorThrottleDecider,
} from '../two-factor/two-factor-throttle.decider';

const NOW = '2026-12-06T10:00:00.000Z';
const at = (seconds: number) => new Date(Date.parse(NOW) + seconds * 1000).toISOString();

const registered: AccountEvent = {
  type: 'AccountRegistered',
  data: {
    userId: 'user-1',
    username: 'ada',
    email: 'ada@example.com',
    passwordHash: '$argon2id$h',
    emailConfirmed: true,
    registeredAt: NOW,
  },
};
const appEnrolment: AccountEvent = {
  type: 'TwoFactorEnrolmentStarted',
  data: { delivery: 'app', smsNumber: null, sealedSecret: 'sealed:secret', startedAt: NOW },
};
const smsEnrolment: AccountEvent = {
  type: 'TwoFactorEnrolmentStarted',
  data: { delivery: 'sms', smsNumber: '+14155550100', sealedSecret: null, startedAt: NOW },
};
const smsSent = (sealedCode: string, seconds = 0, purpose: 'enable' | 'login' = 'enable'): AccountEvent => ({
  type: 'TwoFactorSmsCodeSent',
  data: { smsNumber: '+14155550100', sealedCode, expiresAt: at(seconds + 600), purpose, sentAt: at(seconds) },
});
const appEnabled = (timeStep = 100): AccountEvent => ({
  type: 'TwoFactorEnabled',
  data: {
    delivery: 'app',
    smsNumber: null,
    sealedSecret: 'sealed:secret',
    timeStep,
    recoveryCodeHashes: ['r1', 'r2'],
    enabledAt: NOW,
  },
});
const smsEnabled: AccountEvent = {
  type: 'TwoFactorEnabled',
  data: {
    delivery: 'sms',
    smsNumber: '+14155550100',
    sealedSecret: null,
    timeStep: null,
    recoveryCodeHashes: ['r1'],
    enabledAt: NOW,
  },
};
const suspended: AccountEvent = { type: 'AccountSuspended', data: { suspendedAt: NOW } };
const cmd = (command: Omit<AccountCommand, 'metadata'>) => command as AccountCommand;
const totp = (timeStep: number | null) => ({ kind: 'totp' as const, timeStep });

const account = spec(accountDecider);

describe('account two-factor: enrolment', () => {
  const start = (delivery: 'app' | 'sms', smsNumber: string | null, sealedSecret: string | null) =>
    cmd({ type: 'StartTwoFactorEnrolment', data: { delivery, smsNumber, sealedSecret, now: NOW } });

  it('app: records the sealed secret as pending; nothing is enabled', () => {
    account
      .given([registered])
      .when(start('app', null, 'sealed:secret'))
      .then([appEnrolment]);
    account
      .given([registered])
      .when(start('app', null, 'sealed:secret'))
      .thenState((s) => {
        if (s.status !== 'active') throw new Error('not active');
        expect(s.twoFactor.enabled).toBe(false);
        expect(s.twoFactor.pending).toEqual({
          delivery: 'app',
          smsNumber: null,
          sealedSecret: 'sealed:secret',
        });
      });
  });
  it('sms: needs an E.164 number', () => {
    account
      .given([registered])
      .when(start('sms', '+14155550100', null))
      .then([smsEnrolment]);
    for (const bad of [null, '4155550100', '+0155550100', '+1', '+1415555010012345', '+1-415-555'])
      account
        .given([registered])
        .when(start('sms', bad, null))
        .thenThrows(InvalidSmsNumber, {
          code: 'TWO_FACTOR.INVALID_SMS_NUMBER',
        });
  });
  it('refused once enabled, for a suspended or unknown account', () => {
    account
      .given([registered, appEnrolment, appEnabled()])
      .when(start('app', null, 's'))
      .thenThrows(TwoFactorAlreadyEnabled);
    account
      .given([registered, suspended])
      .when(start('app', null, 's'))
      .thenThrows(AccountSuspended);
    account
      .given([])
      .when(start('app', null, 's'))
      .thenThrows(AccountNotFound);
  });
});

describe('account two-factor: enabling', () => {
  const enable = (
    proof: { kind: 'totp'; timeStep: number | null } | { kind: 'sms'; sealedCode: string | null },
  ) => cmd({ type: 'EnableTwoFactor', data: { proof, recoveryCodeHashes: ['r1', 'r2'], now: NOW } });

  it('the first correct app code enables it, with the recovery code hashes and the step used', () => {
    account
      .given([registered, appEnrolment])
      .when(enable(totp(100)))
      .then([appEnabled(100)]);
  });
  it('a wrong code enables nothing', () => {
    account
      .given([registered, appEnrolment])
      .when(enable(totp(null)))
      .thenThrows(InvalidTwoFactorCode, { code: 'TWO_FACTOR.INVALID_CODE' });
  });
  it('nothing pending, or already on', () => {
    account
      .given([registered])
      .when(enable(totp(1)))
      .thenThrows(TwoFactorNotPending);
    account
      .given([registered, appEnrolment, appEnabled()])
      .when(enable(totp(101)))
      .thenThrows(TwoFactorAlreadyEnabled);
  });
  it('sms: the code last sent, unexpired; not an app proof', () => {
    account
      .given([registered, smsEnrolment, smsSent('c1')])
      .when(enable({ kind: 'sms', sealedCode: 'c1' }))
      .then([
        {
          type: 'TwoFactorEnabled',
          data: {
            delivery: 'sms',
            smsNumber: '+14155550100',
            sealedSecret: null,
            timeStep: null,
            recoveryCodeHashes: ['r1', 'r2'],
            enabledAt: NOW,
          },
        },
      ]);
    account
      .given([registered, smsEnrolment, smsSent('c1'), smsSent('c2', 1)])
      .when(enable({ kind: 'sms', sealedCode: 'c1' }))
      .thenThrows(InvalidTwoFactorCode);
    account
      .given([registered, smsEnrolment, smsSent('c1', -601)])
      .when(enable({ kind: 'sms', sealedCode: 'c1' }))
      .thenThrows(InvalidTwoFactorCode);
    account
      .given([registered, smsEnrolment, smsSent('c1')])
      .when(enable(totp(5)))
      .thenThrows(InvalidTwoFactorCode);
  });
});

describe('account two-factor: login codes (replay refused)', () => {
  const verify = (timeStep: number | null) =>
    cmd({ type: 'VerifyTwoFactorCode', data: { proof: totp(timeStep), now: NOW } });
  const accepted = (timeStep: number): AccountEvent => ({
    type: 'TwoFactorCodeAccepted',
    data: { method: 'app', timeStep, at: NOW },
  });

  it('a later step is accepted and recorded', () => {
    account
      .given([registered, appEnrolment, appEnabled(100)])
      .when(verify(101))
      .then([accepted(101)]);
  });
  it('the step that enabled it, or any step already accepted or earlier, is a replay', () => {
    const on = [registered, appEnrolment, appEnabled(100)];
    account.given(on).when(verify(100)).thenThrows(InvalidTwoFactorCode);
    account
      .given([...on, accepted(102)])
      .when(verify(102))
      .thenThrows(InvalidTwoFactorCode);
    account
      .given([...on, accepted(102)])
      .when(verify(101))
      .thenThrows(InvalidTwoFactorCode);
    account
      .given([...on, accepted(102)])
      .when(verify(103))
      .then([accepted(103)]);
  });
  it('no match, no 2FA, suspended', () => {
    account
      .given([registered, appEnrolment, appEnabled()])
      .when(verify(null))
      .thenThrows(InvalidTwoFactorCode);
    account
      .given([registered])
      .when(verify(1))
      .thenThrows(TwoFactorNotEnabled, { code: 'TWO_FACTOR.NOT_ENABLED' });
    account.given([registered, appEnrolment]).when(verify(1)).thenThrows(TwoFactorNotEnabled);
    account
      .given([registered, appEnrolment, appEnabled(), suspended])
      .when(verify(200))
      .thenThrows(AccountSuspended);
  });
  it('sms: the code works once', () => {
    const sms = { kind: 'sms' as const, sealedCode: 'c9' };
    const on = [registered, smsEnrolment, smsSent('c1'), smsEnabled, smsSent('c9', 5, 'login')];
    const used: AccountEvent = {
      type: 'TwoFactorCodeAccepted',
      data: { method: 'sms', timeStep: null, at: NOW },
    };
    account
      .given(on)
      .when(cmd({ type: 'VerifyTwoFactorCode', data: { proof: sms, now: at(10) } }))
      .then([{ type: 'TwoFactorCodeAccepted', data: { method: 'sms', timeStep: null, at: at(10) } }]);
    account
      .given([...on, used])
      .when(cmd({ type: 'VerifyTwoFactorCode', data: { proof: sms, now: at(10) } }))
      .thenThrows(InvalidTwoFactorCode);
  });
});

describe('account two-factor: SMS sending limits (TFC-API §1.8)', () => {
  const send = (seconds: number, sealedCode = 'c') =>
    cmd({ type: 'SendTwoFactorSmsCode', data: { sealedCode, now: at(seconds) } });

  it('a pending SMS enrolment or an SMS account gets a code; purpose follows', () => {
    account
      .given([registered, smsEnrolment])
      .when(send(0, 'c1'))
      .then([smsSent('c1', 0, 'enable')]);
    account
      .given([registered, smsEnrolment, smsEnabled])
      .when(send(0, 'c1'))
      .then([smsSent('c1', 0, 'login')]);
  });
  it('app accounts and accounts without an SMS enrolment get none', () => {
    account.given([registered, appEnrolment, appEnabled()]).when(send(0)).thenThrows(SmsNotConfigured);
    account.given([registered, appEnrolment]).when(send(0)).thenThrows(SmsNotConfigured);
    account.given([registered]).when(send(0)).thenThrows(TwoFactorNotPending);
  });
  it('5 a minute: the sixth within 60 s is refused with the wait; at 60 s it passes', () => {
    const five = [0, 1, 2, 3, 4].map((s) => smsSent(`c${s}`, s));
    const thrown = account
      .given([registered, smsEnrolment, ...five])
      .when(send(10))
      .thenThrows(TooManySmsCodes, { code: 'TWO_FACTOR.SMS_LIMIT' }) as TooManySmsCodes;
    expect(thrown.retryAfterSeconds).toBe(50);
    account
      .given([registered, smsEnrolment, ...five])
      .when(send(60, 'x'))
      .then([smsSent('x', 60)]);
  });
  it('10 an hour', () => {
    const ten = Array.from({ length: 10 }, (_, i) => smsSent(`c${i}`, i * 120));
    const thrown = account
      .given([registered, smsEnrolment, ...ten])
      .when(send(1300))
      .thenThrows(TooManySmsCodes) as TooManySmsCodes;
    expect(thrown.retryAfterSeconds).toBe(3600 - 1300);
    account
      .given([registered, smsEnrolment, ...ten])
      .when(send(3600, 'x'))
      .then([smsSent('x', 3600)]);
  });
});

describe('account two-factor: recovery codes', () => {
  const on = [registered, appEnrolment, appEnabled()];
  const use = (codeHash: string) => cmd({ type: 'UseRecoveryCode', data: { codeHash, now: NOW } });
  const usedR1: AccountEvent = { type: 'RecoveryCodeUsed', data: { codeHash: 'r1', at: NOW } };

  it('a code of the set works once', () => {
    account.given(on).when(use('r1')).then([usedR1]);
    account
      .given([...on, usedR1])
      .when(use('r1'))
      .thenThrows(InvalidRecoveryCode, { code: 'TWO_FACTOR.INVALID_RECOVERY_CODE' });
    account
      .given([...on, usedR1])
      .when(use('r2'))
      .then([{ type: 'RecoveryCodeUsed', data: { codeHash: 'r2', at: NOW } }]);
    account.given(on).when(use('nope')).thenThrows(InvalidRecoveryCode);
  });
  it('regenerating (with the password) voids the old set', () => {
    const regenerated: AccountEvent = {
      type: 'RecoveryCodesRegenerated',
      data: { recoveryCodeHashes: ['n1'], at: NOW },
    };
    account
      .given(on)
      .when(
        cmd({
          type: 'RegenerateRecoveryCodes',
          data: { passwordValid: true, recoveryCodeHashes: ['n1'], now: NOW },
        }),
      )
      .then([regenerated]);
    account
      .given([...on, regenerated])
      .when(use('r2'))
      .thenThrows(InvalidRecoveryCode);
    account
      .given([...on, regenerated])
      .when(use('n1'))
      .then([{ type: 'RecoveryCodeUsed', data: { codeHash: 'n1', at: NOW } }]);
    account
      .given(on)
      .when(
        cmd({
          type: 'RegenerateRecoveryCodes',
          data: { passwordValid: false, recoveryCodeHashes: ['n1'], now: NOW },
        }),
      )
      .thenThrows(InvalidCurrentPassword);
    account
      .given([registered])
      .when(
        cmd({
          type: 'RegenerateRecoveryCodes',
          data: { passwordValid: true, recoveryCodeHashes: ['n1'], now: NOW },
        }),
      )
      .thenThrows(TwoFactorNotEnabled);
  });
  it('no recovery code without 2FA', () => {
    account.given([registered]).when(use('r1')).thenThrows(TwoFactorNotEnabled);
  });
});

describe('account two-factor: disabling', () => {
  const on = [registered, appEnrolment, appEnabled()];
  const byUser = (passwordValid: boolean) =>
    cmd({ type: 'DisableTwoFactor', data: { by: 'user', passwordValid, now: NOW } });
  const byAdmin = cmd({ type: 'DisableTwoFactor', data: { by: 'admin', now: NOW } });

  it('the user, with the password', () => {
    account
      .given(on)
      .when(byUser(true))
      .then([{ type: 'TwoFactorDisabled', data: { by: 'user', at: NOW } }]);
    account
      .given(on)
      .when(byUser(false))
      .thenThrows(InvalidCurrentPassword, { code: 'ACCOUNT.INVALID_CURRENT_PASSWORD' });
    account.given([registered]).when(byUser(true)).thenThrows(TwoFactorNotEnabled);
  });
  it('a site admin, also for a suspended user; 2FA off afterwards, and enrolling starts over', () => {
    account
      .given([...on, suspended])
      .when(byAdmin)
      .then([{ type: 'TwoFactorDisabled', data: { by: 'admin', at: NOW } }]);
    account.given([registered]).when(byAdmin).thenThrows(TwoFactorNotEnabled);
    const off: AccountEvent = { type: 'TwoFactorDisabled', data: { by: 'admin', at: NOW } };
    account
      .given([...on, off])
      .when(byAdmin)
      .thenThrows(TwoFactorNotEnabled);
    account
      .given([...on, off])
      .when(cmd({ type: 'UseRecoveryCode', data: { codeHash: 'r1', now: NOW } }))
      .thenThrows(TwoFactorNotEnabled);
    account
      .given([...on, off])
      .when(cmd({ type: 'VerifyTwoFactorCode', data: { proof: totp(500), now: NOW } }))
      .thenThrows(TwoFactorNotEnabled);
  });
});

describe('two-factor attempt throttle (5 a minute per user)', () => {
  const throttle = spec(twoFactorThrottleDecider());
  const attempted = (s: number) => ({ type: 'TwoFactorAttempted' as const, data: { at: at(s) } });
  const admit = (s: number) => ({ type: 'AdmitAttempt' as const, data: { now: at(s) } });

  it('records every attempt; the sixth within a minute is refused with the wait', () => {
    throttle
      .given([])
      .when(admit(0))
      .then([attempted(0)]);
    const five = [0, 10, 20, 30, 40].map(attempted);
    const thrown = throttle.given(five).when(admit(45)).thenThrows(TooManyTwoFactorAttempts, {
      code: 'TWO_FACTOR.TOO_MANY_ATTEMPTS',
    }) as TooManyTwoFactorAttempts;
    expect(thrown.retryAfterSeconds).toBe(15);
    throttle
      .given(five)
      .when(admit(60))
      .then([attempted(60)]);
  });
  it('a sliding window, not a fixed one', () => {
    throttle
      .given([0, 50, 51, 52, 53].map(attempted))
      .when(admit(61))
      .then([attempted(61)]);
    throttle
      .given([0, 50, 51, 52, 53, 61].map(attempted))
      .when(admit(62))
      .thenThrows(TooManyTwoFactorAttempts);
  });
});
