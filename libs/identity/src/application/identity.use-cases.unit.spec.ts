import { IDENTITY_SEAL_CONTEXT, type RequestMeta } from '@idp/contracts';
import { type EventStore, handleCommand, InMemoryEventStore, openPGliteEventStore } from '@idp/eventing';
import { accountDecider } from '../domain/account/account.decider';
import type { PasswordHasher } from '../domain/password';
import { InsecureFakePasswordHasher } from '../infrastructure/password';
import { allEvents, codeOf, testDeps } from '../testing/identity-test-deps';
import { getAccount, getUser } from './account/get-account';
import { authenticate } from './authenticate/authenticate';
import { updateAccount } from './update-account/update-account';
import { registerAccount } from './register-account/register-account';
import { requestPasswordReset } from './password-reset/password-reset';

const meta: RequestMeta = { correlationId: 'c-1' };
const PASSWORD = 'correct horse battery staple';
const as = (userId: string): RequestMeta => ({ actor: { kind: 'user', id: userId } });

const stores: Array<[string, () => Promise<EventStore>]> = [
  ['in-memory store', async () => new InMemoryEventStore()],
  ['PGlite store (memory://)', () => openPGliteEventStore()],
];

describe.each(stores)('identity use cases on the %s', (_name, open) => {
  let store: EventStore;
  beforeAll(async () => {
    store = await open();
  }, 30_000);
  afterAll(async () => store?.close());

  const register = (
    deps: ReturnType<typeof testDeps>,
    username: string,
    email: string,
    password = PASSWORD,
  ) => registerAccount(deps, { meta, username, email, password });

  it('gives 100 concurrent sign-ups of one username exactly one account and 99 USERNAME_TAKEN', async () => {
    const deps = testDeps(store);
    const results = await Promise.allSettled(
      Array.from({ length: 100 }, (_, i) => register(deps, 'Race', `race-${i}@example.com`)),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost.map((r) => codeOf(r.reason))).toEqual(Array(99).fill('UNIQUENESS.USERNAME_TAKEN'));
    const registered = (await allEvents(store)).filter(
      (e) => e.type === 'AccountRegistered' && (e.data as { username: string }).username === 'Race',
    );
    expect(registered).toHaveLength(1);
    // The losers released nothing the winner holds, and hold no e-mail: each address is free again.
    await expect(register(deps, 'race-other', 'race-7@example.com')).resolves.toMatchObject({
      username: 'race-other',
    });
  }, 60_000);

  it('treats e-mails differing only by case as one, and releases the username of a refused sign-up', async () => {
    const deps = testDeps(store);
    await register(deps, 'case-1', 'Case.Person@Example.com');
    await expect(register(deps, 'case-2', 'case.person@EXAMPLE.COM')).rejects.toMatchObject({
      code: 'UNIQUENESS.EMAIL_TAKEN',
    });
    expect(await deps.guard.ownerOf('username', 'case-2')).toBeUndefined();
    await expect(register(deps, 'case-2', 'case-2@example.com')).resolves.toMatchObject({
      username: 'case-2',
    });
  });

  it('checks values and the password policy before claiming anything', async () => {
    const deps = testDeps(store);
    await expect(register(deps, 'bad name', 'x@example.com')).rejects.toMatchObject({
      code: 'ACCOUNT.INVALID_USERNAME',
    });
    await expect(register(deps, 'goodname', 'not-an-email')).rejects.toMatchObject({
      code: 'ACCOUNT.INVALID_EMAIL',
    });
    await expect(register(deps, 'goodname', 'g@example.com', 'goodname-2024!')).rejects.toMatchObject({
      code: 'PASSWORD.CONTAINS_USERNAME',
    });
    await expect(register(deps, 'goodname', 'g@example.com', 'short')).rejects.toMatchObject({
      code: 'PASSWORD.TOO_SHORT',
    });
    expect(await deps.guard.ownerOf('username', 'goodname')).toBeUndefined();
    expect(await deps.guard.ownerOf('email', 'g@example.com')).toBeUndefined();
  });

  it('releases both claims when the account cannot be created', async () => {
    const failing: PasswordHasher = {
      ...new InsecureFakePasswordHasher(),
      hash: async () => {
        throw new Error('hasher down');
      },
      verify: async () => false,
      needsRehash: () => false,
    };
    const deps = testDeps(store, { hasher: failing });
    await expect(register(deps, 'unlucky', 'unlucky@example.com')).rejects.toThrow('hasher down');
    expect(await deps.guard.ownerOf('username', 'unlucky')).toBeUndefined();
    expect(await deps.guard.ownerOf('email', 'unlucky@example.com')).toBeUndefined();
  });

  it('keeps the claims when a release would be unsafe: the append outcome is unknown', async () => {
    const deps = testDeps(store);
    // The append commits, then the connection "drops" and reading fails too: nothing may be released.
    let appendCalls = 0;
    const flaky: EventStore = {
      ...store,
      append: async (stream, events, expected) => {
        const result = await store.append(stream, events, expected);
        if (stream.startsWith('account-') && ++appendCalls === 1) throw new Error('connection lost');
        return result;
      },
      readStream: (stream, options) =>
        stream.startsWith('account-') && appendCalls > 0
          ? Promise.reject(new Error('connection lost'))
          : store.readStream(stream, options),
      readAll: (a, l) => store.readAll(a, l),
      headPosition: () => store.headPosition(),
      close: async () => undefined,
    };
    const flakyDeps = { ...deps, store: flaky };
    await expect(register(flakyDeps, 'committed', 'committed@example.com')).rejects.toThrow(
      'connection lost',
    );
    const owner = await deps.guard.ownerOf('username', 'committed');
    expect(owner).toMatch(/^user-/);
    expect(await store.readStream(`account-${owner}`)).not.toHaveLength(0);
    expect(deps.lines.some((l) => l.level === 'error')).toBe(true);
  });

  it('lets parallel wrong-password logins past the lock no more than the free attempts', async () => {
    const deps = testDeps(store);
    let verifications = 0;
    const hasher = deps.hasher;
    const counting = {
      ...deps,
      hasher: {
        ...hasher,
        hash: hasher.hash.bind(hasher),
        needsRehash: hasher.needsRehash.bind(hasher),
        verify: (h: string, p: string) => (verifications++, hasher.verify(h, p)),
      },
    };
    const { id } = await register(deps, 'locked-out', 'locked@example.com');
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, () =>
        authenticate(counting, { meta, login: 'locked-out', password: 'wrong password 1' }),
      ),
    );
    const codes = results.map((r) => (r.status === 'rejected' ? codeOf(r.reason) : 'ok'));
    expect(codes.filter((c) => c === 'AUTH.INVALID_CREDENTIALS')).toHaveLength(deps.throttle.freeAttempts);
    expect(codes.filter((c) => c === 'LOGIN.LOCKED')).toHaveLength(30 - deps.throttle.freeAttempts);
    expect(verifications).toBe(deps.throttle.freeAttempts);
    // Locked means locked, even for the right password; the lock lifts after its interval.
    await expect(authenticate(deps, { meta, login: 'locked-out', password: PASSWORD })).rejects.toMatchObject(
      {
        code: 'LOGIN.LOCKED',
        details: { retryAfterSeconds: 2 },
      },
    );
    deps.clock.advance(3);
    await expect(authenticate(deps, { meta, login: 'LOCKED-OUT', password: PASSWORD })).resolves.toEqual({
      userId: id,
      twoFactorRequired: false,
    });
  }, 60_000);

  it('answers an unknown login exactly like a wrong password, after the same verification work', async () => {
    const deps = testDeps(store);
    let verifications = 0;
    const hasher = deps.hasher;
    const counting = {
      ...deps,
      hasher: {
        ...hasher,
        hash: hasher.hash.bind(hasher),
        needsRehash: hasher.needsRehash.bind(hasher),
        verify: (h: string, p: string) => (verifications++, hasher.verify(h, p)),
      },
    };
    await register(deps, 'known', 'known@example.com');
    const unknown = await authenticate(counting, { meta, login: 'nobody', password: PASSWORD }).catch(
      (e) => e,
    );
    const wrong = await authenticate(counting, { meta, login: 'known', password: 'wrong password 1' }).catch(
      (e) => e,
    );
    expect(unknown).toEqual(wrong);
    expect(codeOf(unknown)).toBe('AUTH.INVALID_CREDENTIALS');
    expect(verifications).toBe(2);
  });

  it('does not accept a pending (unconfirmed) new address as a login', async () => {
    const deps = testDeps(store);
    const { id } = await register(deps, 'mover', 'mover@example.com');
    await updateAccount(deps, { meta: as(id), userId: id, email: 'moved@example.com' });
    await expect(
      authenticate(deps, { meta, login: 'moved@example.com', password: PASSWORD }),
    ).rejects.toMatchObject({
      code: 'AUTH.INVALID_CREDENTIALS',
    });
    await expect(
      authenticate(deps, { meta, login: 'Mover@Example.com', password: PASSWORD }),
    ).resolves.toMatchObject({
      userId: id,
    });
  });

  it('answers get-account and get-user from the accounts read model, each write waiting for it', async () => {
    const deps = testDeps(store);
    const created = await register(deps, 'reader', 'reader@example.com');
    const reads = jest.spyOn(store, 'readStream');
    try {
      // Read-your-writes without reading the account stream: the sign-up waited for the read model.
      await expect(getAccount(deps, { meta: as(created.id), userId: created.id })).resolves.toEqual(created);
      await expect(getUser(deps, { meta: {}, userId: created.id })).resolves.toEqual({
        id: created.id,
        username: 'reader',
        avatarUrl: created.avatarUrl,
        isServiceAccount: false,
      });
      expect(reads).not.toHaveBeenCalled();
    } finally {
      reads.mockRestore();
    }
    const updated = await updateAccount(deps, {
      meta: as(created.id),
      userId: created.id,
      username: 'reader-2',
      email: 'reader-2@example.com',
    });
    expect(updated).toMatchObject({ username: 'reader-2', unconfirmedEmail: 'reader-2@example.com' });
    await expect(getAccount(deps, { meta: as(created.id), userId: created.id })).resolves.toEqual(updated);
    // Authorization is unchanged: only the user (or the platform) sees the private side.
    await expect(
      getAccount(deps, { meta: as('user-someoneelse'), userId: created.id }),
    ).rejects.toMatchObject({
      code: 'ACCOUNT.NOT_FOUND',
    });
    await expect(
      getAccount(deps, { meta: { actor: { kind: 'system', id: 'test' } }, userId: created.id }),
    ).resolves.toEqual(updated);
    // Unknown and deleted accounts are not found (a read-model miss folds the stream to be sure).
    await expect(getUser(deps, { meta: {}, userId: 'user-doesnotexist00' })).rejects.toMatchObject({
      code: 'ACCOUNT.NOT_FOUND',
    });
    await handleCommand(store, `account-${created.id}`, accountDecider, {
      type: 'DeleteAccount',
      data: { now: deps.clock.now().toISOString() },
    });
    await deps.accounts.catchUp();
    await expect(getAccount(deps, { meta: as(created.id), userId: created.id })).rejects.toMatchObject({
      code: 'ACCOUNT.NOT_FOUND',
    });
  });

  it('rehashes a password made with outdated parameters at the next successful login', async () => {
    const deps = testDeps(store, { hasher: new InsecureFakePasswordHasher(1) });
    const { id } = await register(deps, 'oldhash', 'oldhash@example.com');
    const upgraded = { ...deps, hasher: new InsecureFakePasswordHasher(2) };
    await authenticate(upgraded, { meta, login: 'oldhash', password: PASSWORD });
    const changes = (await store.readStream(`account-${id}`)).filter((e) => e.type === 'PasswordChanged');
    expect(changes.map((e) => (e.data as { reason: string }).reason)).toEqual(['rehashed']);
    await authenticate(upgraded, { meta, login: 'oldhash', password: PASSWORD });
    expect(
      (await store.readStream(`account-${id}`)).filter((e) => e.type === 'PasswordChanged'),
    ).toHaveLength(1);
  });

  it('handles a password-reset request after replying, and only for a confirmed address of an active account', async () => {
    const deps = testDeps(store);
    const { id } = await register(deps, 'forgetful', 'forgetful@example.com');
    await expect(requestPasswordReset(deps, { meta, email: 'nobody@example.com' })).resolves.toEqual({
      ok: true,
    });
    await expect(requestPasswordReset(deps, { meta, email: 'not an address' })).resolves.toEqual({
      ok: true,
    });
    await expect(requestPasswordReset(deps, { meta, email: 'FORGETFUL@example.com' })).resolves.toEqual({
      ok: true,
    });
    await deps.background.drain();
    const requested = (await store.readStream(`account-${id}`)).filter(
      (e) => e.type === 'PasswordResetRequested',
    );
    expect(requested).toHaveLength(1);
    const { sealedToken } = requested[0]!.data as { sealedToken: string };
    expect(deps.secretBox.open(sealedToken, IDENTITY_SEAL_CONTEXT.passwordReset)).toMatch(
      new RegExp(`^${id}\\.`),
    );
  });
});
