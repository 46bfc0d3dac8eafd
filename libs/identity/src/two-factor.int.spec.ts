import {
  type AccountView,
  type AuthenticateResult,
  IDENTITY,
  type RequestMeta,
  TWO_FACTOR,
  type TwoFactorEnabledResult,
  type TwoFactorEnrolment,
} from '@idp/contracts';
import type { EventStore, RecordedEvent } from '@idp/eventing';
import { waitFor } from '@idp/testing';
import { base32Decode, hotp, timeStepAt } from './domain/two-factor/totp';
import { allEvents, TestClock } from './testing/identity-test-deps';
import { type IdentityTestHost, startIdentityTestHost } from './testing/identity-test-host';

// Two-factor authentication through identity's message patterns on the bus, the service hosted as in production
// (embedded configuration: PGlite, in-process bus, the real argon2id hasher, the host's SecretBox).
const PASSWORD = 'correct horse battery staple';
const anonymous: RequestMeta = { actor: { kind: 'anonymous', id: 'anonymous' } };
const as = (userId: string): RequestMeta => ({ actor: { kind: 'user', id: userId } });
const text = (value: unknown) =>
  JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));

describe('two-factor through the bus (embedded configuration)', () => {
  let host: IdentityTestHost;
  let store: EventStore;
  let relayed: RecordedEvent[];
  const clock = new TestClock(Date.parse('2026-12-06T10:00:10.000Z'));

  beforeAll(async () => {
    host = await startIdentityTestHost('identity-2fa', { clock, iactPrinter: { print: () => undefined } });
    ({ store, relayed } = host);
  }, 60_000);

  afterAll(async () => {
    await host?.close();
  });

  const send = <T>(pattern: string, payload: unknown): Promise<T> => host.send<T>(pattern, payload);
  const fails = (pattern: string, payload: unknown) => host.fails(pattern, payload);
  /** The code an authenticator shows at the test clock's time, `offset` steps away. */
  const codeFor = (secret: string, offset = 0) =>
    hotp(base32Decode(secret), timeStepAt(clock.now().getTime()) + offset);

  it('enrol, enable, log in with a code and a recovery code, admin disable; relayed events carry no secret', async () => {
    const account = await send<AccountView>(IDENTITY.registerAccount, {
      meta: anonymous,
      username: 'tfa-int',
      email: 'tfa-int@example.com',
      password: PASSWORD,
    });
    const userId = account.id;

    const enrolment = await send<TwoFactorEnrolment>(TWO_FACTOR.startEnrolment, {
      meta: as(userId),
      userId,
      delivery: 'app',
    });
    expect(enrolment.status).toBe('pending');
    const { secret } = enrolment as { secret: string };

    // Someone else, or a malformed request, gets nothing.
    expect(
      await fails(TWO_FACTOR.enable, { meta: as('user-someone-else'), userId, code: codeFor(secret) }),
    ).toMatchObject({
      code: 'ACCOUNT.NOT_FOUND',
    });
    expect(await fails(TWO_FACTOR.enable, { meta: as(userId), userId, code: 123456 })).toMatchObject({
      code: 'REQUEST.INVALID',
    });

    // ±2 steps are refused (attempts 1, 2), the next step (+1) is accepted (attempt 3).
    for (const offset of [-2, 2])
      expect(
        await fails(TWO_FACTOR.enable, { meta: as(userId), userId, code: codeFor(secret, offset) }),
      ).toMatchObject({
        code: 'TWO_FACTOR.INVALID_CODE',
      });
    const enabled = await send<TwoFactorEnabledResult>(TWO_FACTOR.enable, {
      meta: as(userId),
      userId,
      code: codeFor(secret, 1),
    });
    expect(enabled.account.twoFactor).toEqual({ enabled: true, verified: true });
    expect(enabled.recoveryCodes).toHaveLength(10);

    const auth = await send<AuthenticateResult>(IDENTITY.authenticate, {
      meta: anonymous,
      login: 'tfa-int',
      password: PASSWORD,
    });
    expect(auth).toEqual({ userId, twoFactorRequired: true, twoFactorDelivery: 'app' });

    // The step that enabled it is spent; the current one (-1 from it) is older: also refused (attempts 4, 5).
    expect(
      await fails(TWO_FACTOR.verifyCode, { meta: as(userId), userId, code: codeFor(secret, 1) }),
    ).toMatchObject({
      code: 'TWO_FACTOR.INVALID_CODE',
    });
    expect(
      await fails(TWO_FACTOR.verifyCode, { meta: as(userId), userId, code: codeFor(secret, 0) }),
    ).toMatchObject({
      code: 'TWO_FACTOR.INVALID_CODE',
    });
    // Throttled now, even with a good code.
    clock.advance(30);
    expect(
      await fails(TWO_FACTOR.verifyCode, { meta: as(userId), userId, code: codeFor(secret, 1) }),
    ).toMatchObject({
      code: 'TWO_FACTOR.TOO_MANY_ATTEMPTS',
    });
    clock.advance(60);
    await expect(
      send(TWO_FACTOR.verifyCode, { meta: as(userId), userId, code: codeFor(secret) }),
    ).resolves.toEqual({ ok: true });
    await expect(
      send(TWO_FACTOR.verifyRecoveryCode, {
        meta: as(userId),
        userId,
        recoveryCode: enabled.recoveryCodes[0],
      }),
    ).resolves.toEqual({ ok: true });
    expect(
      await fails(TWO_FACTOR.verifyRecoveryCode, {
        meta: as(userId),
        userId,
        recoveryCode: enabled.recoveryCodes[0],
      }),
    ).toMatchObject({ code: 'TWO_FACTOR.INVALID_RECOVERY_CODE' });

    // Site administration: a non-admin actor learns nothing; the platform may.
    expect(await fails(IDENTITY.adminDisableTwoFactor, { meta: as(userId), userId })).toMatchObject({
      code: 'ACCOUNT.NOT_FOUND',
    });
    const off = await send<AccountView>(IDENTITY.adminDisableTwoFactor, {
      meta: { actor: { kind: 'system', id: 'test' } },
      userId,
    });
    expect(off.twoFactor).toEqual({ enabled: false, verified: false });
    expect(
      await fails(IDENTITY.adminDisableTwoFactor, {
        meta: { actor: { kind: 'system', id: 'test' } },
        userId,
      }),
    ).toMatchObject({
      code: 'TWO_FACTOR.NOT_ENABLED',
    });

    // Relayed: TwoFactorEnabled and TwoFactorDisabled for the membership service, nothing secret.
    await waitFor(() =>
      relayed.some((e) => e.type === 'TwoFactorDisabled' && (e.data as { userId: string }).userId === userId),
    );
    const mine = relayed.filter((e) => (e.data as { userId?: string }).userId === userId);
    expect(mine.map((e) => e.type)).toEqual([
      'AccountRegistered',
      'EmailConfirmationRequested',
      'TwoFactorEnabled',
      'TwoFactorDisabled',
    ]);
    expect(mine.find((e) => e.type === 'TwoFactorEnabled')!.data).toEqual({ userId, delivery: 'app' });
    expect(mine.find((e) => e.type === 'TwoFactorDisabled')!.data).toEqual({ userId, by: 'admin' });
    // Nothing in clear anywhere: not on the bus, not in the store (the secret, the codes).
    const everything = text(relayed) + text(await allEvents(store));
    expect(everything).not.toContain(secret);
    for (const code of enabled.recoveryCodes) expect(everything).not.toContain(code);
    expect(text(relayed)).not.toMatch(/sealedSecret|recoveryCodeHashes/);
  }, 60_000);
});
