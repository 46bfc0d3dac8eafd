import { type RequestMeta, TOKEN, TWO_FACTOR } from '@idp/contracts';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { FAKE_STATE, type FakeServiceState } from './fake-services';

type P = Record<string, unknown> & { meta?: RequestMeta };

/** The one code the fake identity accepts, and the recovery code that works once. */
export const FAKE_TWO_FACTOR = {
  code: '123456',
  recoveryCode: 'aaaa-bbbb-cccc-dddd',
  secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',
} as const;

const fail = (code: string, message: string, details?: Record<string, unknown>): never => {
  throw new RpcException({ code, message, ...(details ? { details } : {}) });
};

/**
 * Stand-ins for identity's two-factor patterns and the token service's completion, for the gateway's e2e specs
 * (pass as `controllers` to `createGatewayAppWithFakeServices`; `membership.user-ownerships` is the fake
 * membership's). The real behaviour is tested in libs/identity, libs/token and the platform e2e.
 */
export class FakeTwoFactorState {
  /** Recovery codes used, as `<userId>:<code>`. */
  readonly used = new Set<string>();
}
export const FAKE_TWO_FACTOR_STATE = Symbol('FAKE_TWO_FACTOR_STATE');

@Controller()
export class FakeTwoFactorHandlers {
  constructor(
    @Inject(FAKE_STATE) private readonly s: FakeServiceState,
    @Inject(FAKE_TWO_FACTOR_STATE) private readonly t: FakeTwoFactorState,
  ) {}

  private record(pattern: string, payload: P) {
    this.s.calls.push({ pattern, payload });
  }

  @MessagePattern(TWO_FACTOR.startEnrolment)
  start(@Payload() p: P) {
    this.record(TWO_FACTOR.startEnrolment, p);
    const account = this.s.own(p);
    if (p.delivery === 'sms')
      return p.smsNumber === '+14155550100'
        ? { delivery: 'sms', status: 'pending', secret: null, otpauthUri: null, smsNumber: p.smsNumber }
        : fail('TWO_FACTOR.INVALID_SMS_NUMBER', 'sms-number must be E.164', { attribute: 'sms-number' });
    return {
      delivery: 'app',
      status: 'pending',
      secret: FAKE_TWO_FACTOR.secret,
      otpauthUri: `otpauth://totp/Test:${account.username}?secret=${FAKE_TWO_FACTOR.secret}&issuer=Test`,
      smsNumber: null,
    };
  }

  @MessagePattern(TWO_FACTOR.enable)
  enable(@Payload() p: P) {
    this.record(TWO_FACTOR.enable, p);
    const account = this.s.own(p);
    if (p.code !== FAKE_TWO_FACTOR.code)
      return fail('TWO_FACTOR.INVALID_CODE', 'The code is incorrect, expired or already used', {
        attribute: 'code',
      });
    account.twoFactor = { enabled: true, verified: true };
    return { account: this.s.view(account), recoveryCodes: [FAKE_TWO_FACTOR.recoveryCode] };
  }

  @MessagePattern(TWO_FACTOR.sendSmsCode)
  send(@Payload() p: P) {
    this.record(TWO_FACTOR.sendSmsCode, p);
    this.s.own(p);
    return { ok: true };
  }

  @MessagePattern(TWO_FACTOR.verifyCode)
  verify(@Payload() p: P) {
    this.record(TWO_FACTOR.verifyCode, p);
    this.s.own(p);
    if (p.code === 'throttled')
      return fail('TWO_FACTOR.TOO_MANY_ATTEMPTS', 'Too many two-factor attempts.', { retryAfterSeconds: 42 });
    if (p.code !== FAKE_TWO_FACTOR.code)
      return fail('TWO_FACTOR.INVALID_CODE', 'The code is incorrect, expired or already used', {
        attribute: 'code',
      });
    return { ok: true };
  }

  @MessagePattern(TWO_FACTOR.verifyRecoveryCode)
  recovery(@Payload() p: P) {
    this.record(TWO_FACTOR.verifyRecoveryCode, p);
    this.s.own(p);
    const code = String(p.recoveryCode);
    if (code !== FAKE_TWO_FACTOR.recoveryCode || this.t.used.has(`${String(p.userId)}:${code}`))
      return fail('TWO_FACTOR.INVALID_RECOVERY_CODE', 'The recovery code is incorrect or already used', {
        attribute: 'recovery-code',
      });
    this.t.used.add(`${String(p.userId)}:${code}`);
    return { ok: true };
  }

  @MessagePattern(TWO_FACTOR.regenerateRecoveryCodes)
  regenerate(@Payload() p: P) {
    this.record(TWO_FACTOR.regenerateRecoveryCodes, p);
    const account = this.s.own(p);
    if (p.password !== account.password)
      return fail('ACCOUNT.INVALID_CURRENT_PASSWORD', 'Current password is incorrect', {
        attribute: 'password',
      });
    return { recoveryCodes: ['new1-new1-new1-new1'] };
  }

  @MessagePattern(TWO_FACTOR.disable)
  disable(@Payload() p: P) {
    this.record(TWO_FACTOR.disable, p);
    const account = this.s.own(p);
    if (p.password !== account.password)
      return fail('ACCOUNT.INVALID_CURRENT_PASSWORD', 'Current password is incorrect', {
        attribute: 'password',
      });
    account.twoFactor = { enabled: false, verified: false };
    return this.s.view(account);
  }

  @MessagePattern(TOKEN.completeTwoFactor)
  complete(@Payload() p: P) {
    this.record(TOKEN.completeTwoFactor, p);
    const session = this.s.sessions.get(String(p.sessionId));
    if (!session || session.userId !== p.userId || session.ended)
      return fail('SESSION.NOT_FOUND', 'not found');
    const completed = session.twoFactorPending === true;
    session.twoFactorPending = false;
    const { token: _t, ended: _e, twoFactorPending: _p, returnToSessionId: _r, ...view } = session;
    return { session: { ...view, current: true }, completed };
  }
}
