import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, Module } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { firstValueFrom, timeout } from 'rxjs';
import {
  type AccountView,
  type AuthenticateResult,
  eventsTopic,
  IDENTITY,
  type RequestMeta,
  TWO_FACTOR,
  type TwoFactorEnabledResult,
  type TwoFactorEnrolment,
} from '@idp/contracts';
import {
  BUS_CLIENT,
  type BusClient,
  type EventStore,
  fromEventMessage,
  loadInfraConfig,
  type RecordedEvent,
  startHost,
} from '@idp/eventing';
import { uniqueName, waitFor } from '@idp/testing';
import { base32Decode, hotp, timeStepAt } from './domain/two-factor/totp';
import { IDENTITY_EVENT_STORE, identityServiceWith } from './identity.module';
import { allEvents, TestClock } from './testing/identity-test-deps';

// Two-factor authentication through identity's message patterns on the bus, the service hosted as in production
// (embedded configuration: PGlite, in-process bus, the real argon2id hasher, the host's SecretBox).
const relayed: RecordedEvent[] = [];

@Controller()
class RelayProbe {
  @EventPattern(eventsTopic('identity'))
  onEvent(@Payload() value: unknown) {
    relayed.push(fromEventMessage(JSON.stringify(value)));
  }
}
@Module({ controllers: [RelayProbe] })
class RelayProbeModule {}

const PASSWORD = 'correct horse battery staple';
const anonymous: RequestMeta = { actor: { kind: 'anonymous', id: 'anonymous' } };
const as = (userId: string): RequestMeta => ({ actor: { kind: 'user', id: userId } });
const text = (value: unknown) =>
  JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));

describe('two-factor through the bus (embedded configuration)', () => {
  let app: NestFastifyApplication;
  let dataDir: string;
  let bus: BusClient;
  let store: EventStore;
  const clock = new TestClock(Date.parse('2026-12-06T10:00:10.000Z'));

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'identity-2fa-'));
    app = await startHost({
      process: 'identity-2fa-test',
      services: [identityServiceWith({ clock, iactPrinter: { print: () => undefined } })],
      modules: [RelayProbeModule],
      consumerGroup: uniqueName('identity2fa'),
      config: loadInfraConfig({
        EVENT_STORE_URL: 'pglite://memory',
        PORT: '0',
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
      }),
    });
    bus = app.get<BusClient>(BUS_CLIENT);
    store = app.get<EventStore>(IDENTITY_EVENT_STORE, { strict: false });
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const send = <T>(pattern: string, payload: unknown): Promise<T> =>
    firstValueFrom(bus.send<T>(pattern, payload).pipe(timeout(30_000)));
  const fails = (pattern: string, payload: unknown) =>
    send(pattern, payload).then(
      () => {
        throw new Error(`${pattern} succeeded`);
      },
      (err: { code: string; details?: Record<string, unknown> }) => err,
    );
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
