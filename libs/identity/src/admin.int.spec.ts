import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, Module } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { firstValueFrom, timeout } from 'rxjs';
import {
  type AccountView,
  type AdminUserList,
  eventsTopic,
  IDENTITY,
  type RequestMeta,
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
import { IDENTITY_EVENT_STORE, identityServiceWith } from './identity.module';
import { TestClock } from './testing/identity-test-deps';

// Site administration (TFC-API §10) through the identity service's message patterns, hosted as in production
// (embedded configuration: PGlite in memory, in-process bus, in-memory read models, the real argon2id hasher).
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
const as = (userId: string, over: Partial<NonNullable<RequestMeta['actor']>> = {}): RequestMeta => ({
  actor: { kind: 'user', id: userId, ...over },
  correlationId: 'corr-admin',
});

describe('identity site administration through the bus (embedded configuration)', () => {
  let app: NestFastifyApplication;
  let dataDir: string;
  let bus: BusClient;
  let store: EventStore;
  const clock = new TestClock();
  const printed: string[] = [];
  let admin: AccountView;
  let ada: AccountView;

  const send = <T>(pattern: string, payload: unknown): Promise<T> =>
    firstValueFrom(bus.send<T>(pattern, payload).pipe(timeout(30_000)));
  const fails = (pattern: string, payload: unknown) =>
    send(pattern, payload).then(
      () => {
        throw new Error(`${pattern} succeeded`);
      },
      (err: { code: string; message: string }) => err,
    );
  const register = (username: string) =>
    send<AccountView>(IDENTITY.registerAccount, {
      meta: anonymous,
      username,
      email: `${username}@example.com`,
      password: PASSWORD,
    });

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'identity-admin-'));
    app = await startHost({
      process: 'identity-admin-test',
      services: [identityServiceWith({ clock, iactPrinter: { print: (t) => printed.push(t) } })],
      modules: [RelayProbeModule],
      consumerGroup: uniqueName('identity-admin'),
      config: loadInfraConfig({
        EVENT_STORE_URL: 'pglite://memory',
        PORT: '0',
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
      }),
    });
    bus = app.get<BusClient>(BUS_CLIENT);
    store = app.get<EventStore>(IDENTITY_EVENT_STORE, { strict: false });
    await waitFor(() => printed.length === 1, 10_000);
    admin = await send<AccountView>(IDENTITY.createInitialAdmin, {
      meta: anonymous,
      token: printed[0],
      username: 'root',
      email: 'root@example.com',
      password: PASSWORD,
    });
    ada = await register('ada');
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('answers the initial admin, and only an admin: non-admins and anonymous callers get ACCOUNT.NOT_FOUND', async () => {
    const list = await send<AdminUserList>(IDENTITY.adminListUsers, {
      meta: as(admin.id),
      pageNumber: 1,
      pageSize: 20,
    });
    expect(list.users.map((u) => u.username)).toEqual(['ada', 'root']);
    expect(list.statusCounts).toEqual({ total: 2, suspended: 0, admin: 1 });
    for (const meta of [as(ada.id), anonymous]) {
      expect(await fails(IDENTITY.adminListUsers, { meta, pageNumber: 1, pageSize: 20 })).toMatchObject({
        code: 'ACCOUNT.NOT_FOUND',
      });
      expect(
        await fails(IDENTITY.adminUserAction, { meta, userId: admin.id, action: 'revoke_admin' }),
      ).toMatchObject({
        code: 'ACCOUNT.NOT_FOUND',
      });
    }
    expect(
      await fails(IDENTITY.adminListUsers, { meta: as(admin.id), pageNumber: 0, pageSize: 500 }),
    ).toMatchObject({
      code: 'REQUEST.INVALID',
    });
    expect(
      await fails(IDENTITY.adminUserAction, { meta: as(admin.id), userId: ada.id, action: 'explode' }),
    ).toMatchObject({ code: 'REQUEST.INVALID' });
  });

  it('suspends and unsuspends; the relayed events carry the admin as actor', async () => {
    await expect(
      send<AccountView>(IDENTITY.adminUserAction, { meta: as(admin.id), userId: ada.id, action: 'suspend' }),
    ).resolves.toMatchObject({ isSuspended: true });
    expect(
      await fails(IDENTITY.authenticate, { meta: anonymous, login: 'ada', password: PASSWORD }),
    ).toMatchObject({
      code: 'AUTH.INVALID_CREDENTIALS',
    });
    await waitFor(() => relayed.some((e) => e.type === 'AccountSuspended'), 10_000);
    expect(relayed.find((e) => e.type === 'AccountSuspended')).toMatchObject({
      data: { userId: ada.id },
      metadata: { actor: { kind: 'user', id: admin.id }, correlationId: 'corr-admin' },
    });
    expect(
      await fails(IDENTITY.adminUserAction, { meta: as(admin.id), userId: ada.id, action: 'suspend' }),
    ).toMatchObject({ code: 'ACCOUNT.INVALID_TRANSITION' });
    await expect(
      send<AccountView>(IDENTITY.adminUserAction, {
        meta: as(admin.id),
        userId: ada.id,
        action: 'unsuspend',
      }),
    ).resolves.toMatchObject({ isSuspended: false });
  });

  it('the last admin cannot revoke their own flag; an impersonating admin records who and why on the events', async () => {
    expect(
      await fails(IDENTITY.adminUserAction, { meta: as(admin.id), userId: admin.id, action: 'revoke_admin' }),
    ).toMatchObject({ code: 'ACCOUNT.LAST_SITE_ADMIN' });
    const impersonating = as(ada.id, { impersonatorId: admin.id, impersonationReason: 'ticket 9' });
    await send<AccountView>(IDENTITY.updateAccount, {
      meta: impersonating,
      userId: ada.id,
      username: 'ada2',
    });
    const [renamed] = (await store.readStream(`account-${ada.id}`)).filter(
      (e) => e.type === 'UsernameChanged',
    );
    expect(renamed?.metadata).toMatchObject({
      actor: { kind: 'user', id: ada.id, impersonatorId: admin.id, impersonationReason: 'ticket 9' },
    });
    // Acting as ada, the admin has ada's powers: no admin API.
    expect(await fails(IDENTITY.adminGetUser, { meta: impersonating, userId: admin.id })).toMatchObject({
      code: 'ACCOUNT.NOT_FOUND',
    });
  });

  it('deletes a user: gone, relayed, and the username and e-mail can be registered again', async () => {
    const bob = await register('bob');
    await expect(
      send<AccountView>(IDENTITY.adminUserAction, { meta: as(admin.id), userId: bob.id, action: 'delete' }),
    ).resolves.toMatchObject({ id: bob.id, username: 'bob' });
    expect(await fails(IDENTITY.adminGetUser, { meta: as(admin.id), userId: bob.id })).toMatchObject({
      code: 'ACCOUNT.NOT_FOUND',
    });
    await waitFor(
      () =>
        relayed.some((e) => e.type === 'AccountDeleted' && (e.data as { userId: string }).userId === bob.id),
      10_000,
    );
    const again = await register('bob');
    expect(again.id).not.toBe(bob.id);
  });
});
