import type { RequestMeta } from '@idp/contracts';
import { type EventStore, InMemoryEventStore, openPGliteEventStore, SecretBox } from '@idp/eventing';
import { randomBytes } from 'node:crypto';
import { totpAt } from '../../domain/two-factor/totp';
import { allEvents, codeOf, testDeps } from '../../testing/identity-test-deps';
import { getAccount } from '../account/get-account';
import { authenticate } from '../authenticate/authenticate';
import { registerAccount } from '../register-account/register-account';
import { select } from '../relay/identity-relay.selector';
import {
  adminDisableTwoFactor,
  disableTwoFactor,
  enableTwoFactor,
  regenerateRecoveryCodes,
  sendTwoFactorSmsCode,
  startTwoFactorEnrolment,
  verifyRecoveryCode,
  verifyTwoFactorCode,
} from './two-factor';

const PASSWORD = 'correct horse battery staple';
/** Events as text (positions are bigints). */
const text = (value: unknown) =>
  JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
const as = (userId: string): RequestMeta => ({ actor: { kind: 'user', id: userId } });

const stores: Array<[string, () => Promise<EventStore>]> = [
  ['in-memory store', async () => new InMemoryEventStore()],
  ['PGlite store (memory://)', () => openPGliteEventStore()],
];

describe.each(stores)('two-factor use cases on the %s', (_name, open) => {
  let store: EventStore;
  beforeAll(async () => {
    store = await open();
  }, 30_000);
  afterAll(async () => store?.close());

  let n = 0;
  const signUp = async (deps: ReturnType<typeof testDeps>) => {
    n++;
    const account = await registerAccount(deps, {
      meta: {},
      username: `tfa-${n}`,
      email: `tfa-${n}@example.com`,
      password: PASSWORD,
    });
    return account.id;
  };
  /** Enrols an app and enables it with the current code; returns the secret and recovery codes. */
  const withApp = async (deps: ReturnType<typeof testDeps>, userId: string) => {
    const enrolment = await startTwoFactorEnrolment(deps, { meta: as(userId), userId, delivery: 'app' });
    const code = totpAt(enrolment.secret!, deps.clock.now().getTime());
    const enabled = await enableTwoFactor(deps, { meta: as(userId), userId, code });
    return { secret: enrolment.secret!, recoveryCodes: enabled.recoveryCodes, enabled };
  };

  it('enrols an app: pending until a correct code; then on, ten recovery codes; login owes a second factor', async () => {
    const deps = testDeps(store);
    const userId = await signUp(deps);
    const enrolment = await startTwoFactorEnrolment(deps, { meta: as(userId), userId, delivery: 'app' });
    expect(enrolment).toMatchObject({ delivery: 'app', status: 'pending', smsNumber: null });
    expect(enrolment.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(enrolment.otpauthUri).toContain(`secret=${enrolment.secret}`);
    expect((await getAccount(deps, { meta: as(userId), userId })).twoFactor).toEqual({
      enabled: false,
      verified: false,
    });
    await expect(authenticate(deps, { meta: {}, login: `tfa-${n}`, password: PASSWORD })).resolves.toEqual({
      userId,
      twoFactorRequired: false,
    });

    await expect(enableTwoFactor(deps, { meta: as(userId), userId, code: '000000' })).rejects.toMatchObject({
      code: 'TWO_FACTOR.INVALID_CODE',
    });
    const code = totpAt(enrolment.secret!, deps.clock.now().getTime());
    const enabled = await enableTwoFactor(deps, { meta: as(userId), userId, code });
    expect(enabled.recoveryCodes).toHaveLength(10);
    expect(enabled.account.twoFactor).toEqual({ enabled: true, verified: true });
    expect((await getAccount(deps, { meta: as(userId), userId })).twoFactor).toEqual({
      enabled: true,
      verified: true,
    });
    await expect(authenticate(deps, { meta: {}, login: `tfa-${n}`, password: PASSWORD })).resolves.toEqual({
      userId,
      twoFactorRequired: true,
      twoFactorDelivery: 'app',
    });
    // The code that enabled it cannot log in.
    await expect(verifyTwoFactorCode(deps, { meta: as(userId), userId, code })).rejects.toMatchObject({
      code: 'TWO_FACTOR.INVALID_CODE',
    });
  });

  it('a login code is accepted once (replay refused, also when sent in parallel)', async () => {
    const deps = testDeps(store);
    const userId = await signUp(deps);
    const { secret } = await withApp(deps, userId);
    deps.clock.advance(30);
    const code = totpAt(secret, deps.clock.now().getTime());
    const results = await Promise.allSettled(
      Array.from({ length: 4 }, () => verifyTwoFactorCode(deps, { meta: as(userId), userId, code })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.flatMap((r) => (r.status === 'rejected' ? [codeOf(r.reason)] : []))).toEqual(
      Array(3).fill('TWO_FACTOR.INVALID_CODE'),
    );
    // A minute later (a fresh throttle window), the next step's code works; the used one still does not.
    deps.clock.advance(61);
    await expect(verifyTwoFactorCode(deps, { meta: as(userId), userId, code })).rejects.toMatchObject({
      code: 'TWO_FACTOR.INVALID_CODE',
    });
    const next = totpAt(secret, deps.clock.now().getTime());
    await expect(verifyTwoFactorCode(deps, { meta: as(userId), userId, code: next })).resolves.toEqual({
      ok: true,
    });
  });

  it('throttles to 5 attempts a minute, also 20 in parallel; the right code is refused while throttled', async () => {
    const deps = testDeps(store);
    const userId = await signUp(deps);
    const { secret } = await withApp(deps, userId); // the enabling code was attempt 1
    deps.clock.advance(61);
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () =>
        verifyTwoFactorCode(deps, { meta: as(userId), userId, code: '000000' }),
      ),
    );
    const codes = results.map((r) => (r.status === 'rejected' ? codeOf(r.reason) : 'ok'));
    expect(codes.filter((c) => c === 'TWO_FACTOR.INVALID_CODE')).toHaveLength(5);
    expect(codes.filter((c) => c === 'TWO_FACTOR.TOO_MANY_ATTEMPTS')).toHaveLength(15);
    const right = totpAt(secret, deps.clock.now().getTime());
    await expect(verifyTwoFactorCode(deps, { meta: as(userId), userId, code: right })).rejects.toMatchObject({
      code: 'TWO_FACTOR.TOO_MANY_ATTEMPTS',
      details: { retryAfterSeconds: 60 },
    });
    await expect(
      verifyRecoveryCode(deps, { meta: as(userId), userId, recoveryCode: 'x' }),
    ).rejects.toMatchObject({
      code: 'TWO_FACTOR.TOO_MANY_ATTEMPTS',
    });
    deps.clock.advance(60);
    const later = totpAt(secret, deps.clock.now().getTime());
    await expect(verifyTwoFactorCode(deps, { meta: as(userId), userId, code: later })).resolves.toEqual({
      ok: true,
    });
  });

  it('recovery codes work once; regenerating (password) voids the old set', async () => {
    const deps = testDeps(store);
    const userId = await signUp(deps);
    const { recoveryCodes } = await withApp(deps, userId);
    const [first, second] = recoveryCodes;
    await expect(
      verifyRecoveryCode(deps, { meta: as(userId), userId, recoveryCode: first! }),
    ).resolves.toEqual({
      ok: true,
    });
    await expect(
      verifyRecoveryCode(deps, { meta: as(userId), userId, recoveryCode: first! }),
    ).rejects.toMatchObject({
      code: 'TWO_FACTOR.INVALID_RECOVERY_CODE',
    });
    await expect(
      regenerateRecoveryCodes(deps, { meta: as(userId), userId, password: 'wrong password!' }),
    ).rejects.toMatchObject({ code: 'ACCOUNT.INVALID_CURRENT_PASSWORD', details: { attribute: 'password' } });
    const fresh = await regenerateRecoveryCodes(deps, { meta: as(userId), userId, password: PASSWORD });
    expect(fresh.recoveryCodes).toHaveLength(10);
    deps.clock.advance(61);
    await expect(
      verifyRecoveryCode(deps, { meta: as(userId), userId, recoveryCode: second! }),
    ).rejects.toMatchObject({
      code: 'TWO_FACTOR.INVALID_RECOVERY_CODE',
    });
    await expect(
      verifyRecoveryCode(deps, {
        meta: as(userId),
        userId,
        recoveryCode: fresh.recoveryCodes[3]!.toUpperCase(),
      }),
    ).resolves.toEqual({ ok: true });
  });

  it('disable: with the password; by a site admin only; NOT_ENABLED when off', async () => {
    const deps = testDeps(store);
    const userId = await signUp(deps);
    await withApp(deps, userId);
    await expect(
      disableTwoFactor(deps, { meta: as(userId), userId, password: 'nope nope nope' }),
    ).rejects.toMatchObject({
      code: 'ACCOUNT.INVALID_CURRENT_PASSWORD',
    });
    const other = await signUp(deps);
    await expect(adminDisableTwoFactor(deps, { meta: as(other), userId })).rejects.toMatchObject({
      code: 'ACCOUNT.NOT_FOUND',
    });
    await expect(
      disableTwoFactor(deps, { meta: as(other), userId, password: PASSWORD }),
    ).rejects.toMatchObject({
      code: 'ACCOUNT.NOT_FOUND',
    });
    const account = await adminDisableTwoFactor(deps, {
      meta: { actor: { kind: 'system', id: 'test' } },
      userId,
    });
    expect(account.twoFactor).toEqual({ enabled: false, verified: false });
    await expect(
      adminDisableTwoFactor(deps, { meta: { actor: { kind: 'system', id: 'test' } }, userId }),
    ).rejects.toMatchObject({
      code: 'TWO_FACTOR.NOT_ENABLED',
    });
    await withApp(deps, userId);
    const off = await disableTwoFactor(deps, { meta: as(userId), userId, password: PASSWORD });
    expect(off.twoFactor.enabled).toBe(false);
    await expect(
      authenticate(deps, { meta: {}, login: `tfa-${n - 1}`, password: PASSWORD }),
    ).resolves.toMatchObject({
      twoFactorRequired: false,
    });
  });

  it('sms: enrolment sends a sealed code; the code enables; limits apply; nothing secret leaves in clear', async () => {
    const deps = testDeps(store);
    const userId = await signUp(deps);
    await expect(
      startTwoFactorEnrolment(deps, { meta: as(userId), userId, delivery: 'sms', smsNumber: '555-0100' }),
    ).rejects.toMatchObject({ code: 'TWO_FACTOR.INVALID_SMS_NUMBER' });
    const enrolment = await startTwoFactorEnrolment(deps, {
      meta: as(userId),
      userId,
      delivery: 'sms',
      smsNumber: '+1 415 555 0100',
    });
    expect(enrolment).toMatchObject({
      delivery: 'sms',
      secret: null,
      otpauthUri: null,
      smsNumber: '+14155550100',
    });
    const relayed = (await allEvents(store))
      .filter((e) => e.stream === `account-${userId}`)
      .map(select)
      .filter((e) => e !== undefined);
    const requested = relayed.filter((e) => e.type === 'TwoFactorSmsCodeRequested');
    expect(requested).toHaveLength(1);
    const { sealedCode } = requested[0]!.data as { sealedCode: string };
    const code = deps.secretBox.open(sealedCode, 'two-factor-sms-code');
    expect(code).toMatch(/^\d{6}$/);
    expect(text(relayed.map((e) => e.data))).not.toContain(`"${code}"`);

    for (let i = 0; i < 4; i++) await sendTwoFactorSmsCode(deps, { meta: as(userId), userId });
    await expect(sendTwoFactorSmsCode(deps, { meta: as(userId), userId })).rejects.toMatchObject({
      code: 'TWO_FACTOR.SMS_LIMIT',
    });
    // The first code was replaced by the resends: only the latest works.
    await expect(enableTwoFactor(deps, { meta: as(userId), userId, code })).rejects.toMatchObject({
      code: 'TWO_FACTOR.INVALID_CODE',
    });
    const latest = (await allEvents(store))
      .filter((e) => e.stream === `account-${userId}` && e.type === 'TwoFactorSmsCodeSent')
      .at(-1)!.data as { sealedCode: string };
    const enabled = await enableTwoFactor(deps, {
      meta: as(userId),
      userId,
      code: deps.secretBox.open(latest.sealedCode, 'two-factor-sms-code'),
    });
    expect(enabled.account.twoFactor.enabled).toBe(true);
  });

  it('never stores or relays a TOTP secret in clear; the relay carries no secret at all', async () => {
    const deps = testDeps(store, { secretBox: new SecretBox([randomBytes(32)]) });
    const userId = await signUp(deps);
    const { secret, recoveryCodes } = await withApp(deps, userId);
    const stored = text(await allEvents(store));
    expect(stored).not.toContain(secret);
    for (const c of recoveryCodes) expect(stored).not.toContain(c);
    const relayed = (await allEvents(store)).filter((e) => e.stream === `account-${userId}`).map(select);
    const types = relayed.flatMap((e) => (e ? [e.type] : []));
    expect(types).toContain('TwoFactorEnabled');
    expect(types).not.toContain('TwoFactorEnrolmentStarted');
    const enabled = relayed.find((e) => e?.type === 'TwoFactorEnabled')!;
    expect(enabled.data).toEqual({ userId, delivery: 'app' });
  });
});
