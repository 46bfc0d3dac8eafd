import { type AccountView, type AdminUserList, IDENTITY, type RequestMeta } from '@idp/contracts';
import type { EventStore, RecordedEvent } from '@idp/eventing';
import { waitFor } from '@idp/testing';
import { TestClock } from './testing/identity-test-deps';
import { type IdentityTestHost, startIdentityTestHost } from './testing/identity-test-host';

// Site administration (TFC-API §10) through the identity service's message patterns, hosted as in production
// (embedded configuration: PGlite in memory, in-process bus, in-memory read models, the real argon2id hasher).
const PASSWORD = 'correct horse battery staple';
const anonymous: RequestMeta = { actor: { kind: 'anonymous', id: 'anonymous' } };
const as = (userId: string, over: Partial<NonNullable<RequestMeta['actor']>> = {}): RequestMeta => ({
  actor: { kind: 'user', id: userId, ...over },
  correlationId: 'corr-admin',
});

describe('identity site administration through the bus (embedded configuration)', () => {
  let host: IdentityTestHost;
  let store: EventStore;
  let relayed: RecordedEvent[];
  const clock = new TestClock();
  const printed: string[] = [];
  let admin: AccountView;
  let ada: AccountView;

  const send = <T>(pattern: string, payload: unknown): Promise<T> => host.send<T>(pattern, payload);
  const fails = (pattern: string, payload: unknown) => host.fails(pattern, payload);
  const register = (username: string) =>
    send<AccountView>(IDENTITY.registerAccount, {
      meta: anonymous,
      username,
      email: `${username}@example.com`,
      password: PASSWORD,
    });

  beforeAll(async () => {
    host = await startIdentityTestHost('identity-admin', {
      clock,
      iactPrinter: { print: (t) => printed.push(t) },
    });
    ({ store, relayed } = host);
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
    await host?.close();
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
