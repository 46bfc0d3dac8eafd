import type { RequestMeta } from '@idp/contracts';
import { type EventStore, handleCommand, InMemoryEventStore, openPGliteEventStore } from '@idp/eventing';
import { accountDecider } from '../../domain/account/account.decider';
import { codeOf, testDeps } from '../../testing/identity-test-deps';
import { authenticate } from '../authenticate/authenticate';
import { registerAccount } from '../register-account/register-account';
import { adminGetUser, adminListUsers, adminUserAction } from './admin-users';

const PASSWORD = 'correct horse battery staple';
const as = (userId: string, over: Partial<NonNullable<RequestMeta['actor']>> = {}): RequestMeta => ({
  actor: { kind: 'user', id: userId, ...over },
  correlationId: 'c-admin',
});

const stores: Array<[string, () => Promise<EventStore>]> = [
  ['in-memory store', async () => new InMemoryEventStore()],
  ['PGlite store (memory://)', () => openPGliteEventStore()],
];

describe.each(stores)('site administration use cases on the %s (TFC-API §10)', (_name, open) => {
  let store: EventStore;
  let deps: ReturnType<typeof testDeps>;
  let admin: string;
  let ada: string;
  let bob: string;

  const register = async (username: string) =>
    (
      await registerAccount(deps, {
        meta: {},
        username,
        email: `${username}@example.com`,
        password: PASSWORD,
      })
    ).id;
  const grant = async (userId: string) => {
    await handleCommand(store, `account-${userId}`, accountDecider, { type: 'GrantSiteAdmin', data: {} });
    await deps.accounts.catchUp();
  };
  const act = (actor: string, userId: string, action: Parameters<typeof adminUserAction>[1]['action']) =>
    adminUserAction(deps, { meta: as(actor), userId, action });

  beforeAll(async () => {
    store = await open();
    deps = testDeps(store);
    admin = await register('root');
    await grant(admin);
    ada = await register('ada');
    bob = await register('bob');
  }, 30_000);
  afterAll(async () => store?.close());

  it('answers every admin call from a non-admin, an anonymous caller or a system actor ACCOUNT.NOT_FOUND', async () => {
    const refused = async (p: Promise<unknown>) =>
      codeOf(
        await p.then(
          () => null,
          (e: unknown) => e,
        ),
      );
    for (const meta of [as(ada), {}, { actor: { kind: 'organization' as const, id: 'org-x' } }]) {
      expect(await refused(adminListUsers(deps, { meta, pageNumber: 1, pageSize: 20 }))).toBe(
        'ACCOUNT.NOT_FOUND',
      );
      expect(await refused(adminGetUser(deps, { meta, userId: bob }))).toBe('ACCOUNT.NOT_FOUND');
      for (const action of ['suspend', 'unsuspend', 'grant_admin', 'revoke_admin', 'delete'] as const)
        expect(await refused(adminUserAction(deps, { meta, userId: bob, action }))).toBe('ACCOUNT.NOT_FOUND');
    }
    // Nothing happened to bob.
    await expect(adminGetUser(deps, { meta: as(admin), userId: bob })).resolves.toMatchObject({
      isSuspended: false,
      isAdmin: false,
    });
  });

  it('lists by username with q, filters, pages and the instance status counts', async () => {
    const all = await adminListUsers(deps, { meta: as(admin), pageNumber: 1, pageSize: 20 });
    expect(all.users.map((u) => u.username)).toEqual(['ada', 'bob', 'root']);
    expect(all).toMatchObject({ total: 3, statusCounts: { total: 3, suspended: 0, admin: 1 } });
    const byEmail = await adminListUsers(deps, {
      meta: as(admin),
      q: 'BOB@EXAMPLE',
      pageNumber: 1,
      pageSize: 20,
    });
    expect(byEmail.users.map((u) => u.id)).toEqual([bob]);
    expect(byEmail.total).toBe(1);
    const admins = await adminListUsers(deps, { meta: as(admin), admin: true, pageNumber: 1, pageSize: 20 });
    expect(admins.users.map((u) => u.username)).toEqual(['root']);
    const nonAdmins = await adminListUsers(deps, {
      meta: as(admin),
      admin: false,
      pageNumber: 2,
      pageSize: 1,
    });
    expect(nonAdmins.users.map((u) => u.username)).toEqual(['bob']);
    expect(nonAdmins.total).toBe(2);
  });

  it('suspends (no login, listed as suspended) and unsuspends, with the 400 transitions, recording the admin as actor', async () => {
    await expect(act(admin, ada, 'suspend')).resolves.toMatchObject({ id: ada, isSuspended: true });
    expect(codeOf(await act(admin, ada, 'suspend').catch((e: unknown) => e))).toBe(
      'ACCOUNT.INVALID_TRANSITION',
    );
    expect(
      codeOf(
        await authenticate(deps, { meta: {}, login: 'ada', password: PASSWORD }).catch((e: unknown) => e),
      ),
    ).toBe('AUTH.INVALID_CREDENTIALS');
    const suspended = await adminListUsers(deps, {
      meta: as(admin),
      suspended: true,
      pageNumber: 1,
      pageSize: 20,
    });
    expect(suspended.users.map((u) => u.id)).toEqual([ada]);
    expect(suspended.statusCounts).toEqual({ total: 3, suspended: 1, admin: 1 });
    const events = await store.readStream(`account-${ada}`);
    expect(events.at(-1)).toMatchObject({
      type: 'AccountSuspended',
      metadata: { actor: { kind: 'user', id: admin }, correlationId: 'c-admin' },
    });

    await expect(act(admin, ada, 'unsuspend')).resolves.toMatchObject({ isSuspended: false });
    expect(codeOf(await act(admin, ada, 'unsuspend').catch((e: unknown) => e))).toBe(
      'ACCOUNT.INVALID_TRANSITION',
    );
    await expect(authenticate(deps, { meta: {}, login: 'ada', password: PASSWORD })).resolves.toMatchObject({
      userId: ada,
    });
  });

  it('grants and revokes admin; the last active admin cannot revoke, suspend or delete themselves', async () => {
    for (const action of ['revoke_admin', 'suspend', 'delete'] as const)
      expect(codeOf(await act(admin, admin, action).catch((e: unknown) => e))).toBe(
        'ACCOUNT.LAST_SITE_ADMIN',
      );
    await expect(act(admin, bob, 'grant_admin')).resolves.toMatchObject({ isAdmin: true });
    expect(codeOf(await act(admin, bob, 'grant_admin').catch((e: unknown) => e))).toBe(
      'ACCOUNT.INVALID_TRANSITION',
    );
    // Bob is an admin now, and acts as one.
    await expect(adminGetUser(deps, { meta: as(bob), userId: ada })).resolves.toMatchObject({ id: ada });
    // Two admins revoking themselves at once (one identity replica): exactly one succeeds.
    const both = await Promise.allSettled([act(admin, admin, 'revoke_admin'), act(bob, bob, 'revoke_admin')]);
    const outcomes = both.map((r) => (r.status === 'fulfilled' ? 'ok' : codeOf(r.reason)));
    expect([...outcomes].sort()).toEqual(['ACCOUNT.LAST_SITE_ADMIN', 'ok']);
    // If root's own revocation won, bob is the one admin left, and the other way round.
    const remaining = outcomes[0] === 'ok' ? bob : admin;
    const left = await adminListUsers(deps, {
      meta: as(remaining),
      admin: true,
      pageNumber: 1,
      pageSize: 20,
    });
    expect(left.users.map((u) => u.id)).toEqual([remaining]);
    // Make root the one admin again (the tests below act as root).
    if (remaining !== admin) {
      await act(remaining, admin, 'grant_admin');
      await act(admin, remaining, 'revoke_admin');
    }
    expect(codeOf(await act(admin, ada, 'revoke_admin').catch((e: unknown) => e))).toBe(
      'ACCOUNT.INVALID_TRANSITION',
    );
  });

  it('an impersonating admin acts as the impersonated user: no admin power through a non-admin', async () => {
    const impersonating = as(ada, { impersonatorId: admin, impersonationReason: 'support ticket 42' });
    expect(
      codeOf(await adminGetUser(deps, { meta: impersonating, userId: bob }).catch((e: unknown) => e)),
    ).toBe('ACCOUNT.NOT_FOUND');
  });

  it('deletes a user: gone from the list and reads, username and e-mail free again', async () => {
    const carol = await register('carol');
    await expect(act(admin, carol, 'delete')).resolves.toMatchObject({ id: carol, username: 'carol' });
    expect(
      codeOf(await adminGetUser(deps, { meta: as(admin), userId: carol }).catch((e: unknown) => e)),
    ).toBe('ACCOUNT.NOT_FOUND');
    expect(codeOf(await act(admin, carol, 'delete').catch((e: unknown) => e))).toBe('ACCOUNT.NOT_FOUND');
    const list = await adminListUsers(deps, { meta: as(admin), q: 'carol', pageNumber: 1, pageSize: 20 });
    expect(list.total).toBe(0);
    expect(await deps.guard.ownerOf('username', 'carol')).toBeUndefined();
    expect(await deps.guard.ownerOf('email', 'carol@example.com')).toBeUndefined();
    const again = await register('carol');
    expect(again).not.toBe(carol);
  });
});
