import { useTokenTestHost } from './testing/token-test-host';
import { lastValueFrom } from 'rxjs';
import {
  type CreateUserTokenResult,
  eventsTopic,
  type IdentityIntegrationEvent,
  type ListUserTokensResult,
  TOKEN,
  USER_TOKEN,
  type UserTokenView,
  type VerifyResult,
} from '@idp/contracts';
import { jsonBusRecord, type RecordedEvent, sha256Hex, toEventMessage, uuidv7 } from '@idp/eventing';
import {
  describeWithInfra,
  distributedTestEnv,
  type DistributedTestEnv,
  uniqueName,
  eventually,
} from '@idp/testing';

const MINUTE = 60_000;
const T0 = Date.parse('2026-11-26T10:00:00.000Z');

/** User API tokens through the real host and bus: requests over the bus, identity events on its topic. */
const describeUserTokens = (
  name: string,
  env: () => Promise<Record<string, string>>,
  cleanup: () => Promise<void> = async () => {},
) =>
  describe(name, () => {
    const clock = { t: T0, now: () => new Date(clock.t) };
    const run = uniqueName('run');
    const U = (name: string) => `${name}-${run}`;
    const issued: string[] = [];
    const { host, send } = useTokenTestHost(env, cleanup, clock);
    const create = async (userId: string, extra: Record<string, unknown> = {}) => {
      const result = await send<CreateUserTokenResult>(USER_TOKEN.createUserToken, { userId, ...extra });
      issued.push(result.secret);
      return result;
    };
    const verify = (token: string) => send<VerifyResult>(TOKEN.verifyCredential, { token });
    const list = async (userId: string) =>
      (await send<ListUserTokensResult>(USER_TOKEN.listUserTokens, { userId })).tokens;
    const failure = (p: Promise<unknown>) =>
      p.then(
        () => {
          throw new Error('expected an error reply');
        },
        (err: unknown) => err,
      );
    it('create → verify → list (no secret) → get → revoke → verify null', async () => {
      clock.t = T0;
      const { token, secret } = await create(U('user-1'), {
        description: 'ci',
        expiredAt: '2027-01-01T00:00:00Z',
        meta: { correlationId: 'c-1' },
      });
      expect(secret).toMatch(/^[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_-]{67}$/);
      const view: UserTokenView = {
        id: expect.stringMatching(/^at-[1-9A-HJ-NP-Za-km-z]{16}$/) as unknown as string,
        userId: U('user-1'),
        description: 'ci',
        createdAt: '2026-11-26T10:00:00.000Z',
        lastUsedAt: null,
        expiredAt: '2027-01-01T00:00:00.000Z',
        createdBy: U('user-1'),
      };
      expect(token).toEqual(view);

      clock.t = T0 + MINUTE;
      expect(await verify(secret)).toEqual({
        kind: 'user-token',
        tokenId: token.id,
        userId: U('user-1'),
        expiresAt: '2027-01-01T00:00:00.000Z',
        createdAt: '2026-11-26T10:00:00.000Z',
      });
      clock.t = T0 + MINUTE + 30_000;
      expect(await verify(secret)).not.toBeNull(); // within the touch interval: last use stays at +1 min

      const tokens = await list(U('user-1'));
      expect(tokens).toEqual([{ ...token, lastUsedAt: '2026-11-26T10:01:00.000Z' }]);
      expect(JSON.stringify(tokens)).not.toContain(secret);
      expect(await send(USER_TOKEN.getUserToken, { userId: U('user-1'), tokenId: token.id })).toEqual(
        tokens[0],
      );

      expect(await send(USER_TOKEN.revokeUserToken, { userId: U('user-1'), tokenId: token.id })).toEqual({
        revoked: true,
      });
      expect(await verify(secret)).toBeNull();
      expect(await list(U('user-1'))).toEqual([]);
      expect(
        await failure(send(USER_TOKEN.getUserToken, { userId: U('user-1'), tokenId: token.id })),
      ).toMatchObject({ code: 'TOKEN.NOT_FOUND' });
      expect(
        await failure(send(USER_TOKEN.revokeUserToken, { userId: U('user-1'), tokenId: token.id })),
      ).toMatchObject({ code: 'TOKEN.NOT_FOUND' });

      const stored = await host.store.readStream(`user-token-${token.id}`);
      expect(stored.map((e) => e.type)).toEqual(['UserTokenCreated', 'UserTokenRevoked']);
      expect(stored[0]!.data).toMatchObject({ tokenHash: sha256Hex(secret), createdBy: U('user-1') });
      expect(stored[0]!.metadata).toMatchObject({ correlationId: 'c-1' });
    });

    it("refuses someone else's token with TOKEN.NOT_FOUND, and lists only the caller's", async () => {
      clock.t = T0;
      const mine = await create(U('owner'));
      await create(U('owner'), { description: 'second' });
      for (const pattern of [USER_TOKEN.getUserToken, USER_TOKEN.revokeUserToken])
        expect(await failure(send(pattern, { userId: U('intruder'), tokenId: mine.token.id }))).toMatchObject(
          {
            code: 'TOKEN.NOT_FOUND',
            message: 'token not found',
          },
        );
      expect(await list(U('intruder'))).toEqual([]);
      expect((await list(U('owner'))).map((t) => t.description).sort()).toEqual([null, 'second']);
      expect(await verify(mine.secret)).not.toBeNull();
    });

    it('expires at expired-at exactly (at or before now is refused), and refuses an expiry in the past', async () => {
      clock.t = T0;
      const expiredAt = new Date(T0 + 10 * MINUTE).toISOString();
      const { secret } = await create(U('user-exp'), { expiredAt });
      clock.t = T0 + 10 * MINUTE - 1;
      expect(await verify(secret)).toMatchObject({ kind: 'user-token', expiresAt: expiredAt });
      clock.t = T0 + 10 * MINUTE;
      expect(await verify(secret)).toBeNull();
      expect((await list(U('user-exp'))).map((t) => t.expiredAt)).toEqual([expiredAt]); // still listed

      for (const bad of [new Date(clock.t).toISOString(), 'tomorrow', '2026-13-01T00:00:00Z'])
        expect(await failure(create(U('user-exp'), { expiredAt: bad }))).toMatchObject({
          code: 'TOKEN.INVALID_EXPIRY',
          details: { attribute: 'expiredAt' },
        });
    });

    it('answers null for unknown or malformed secrets, TOKEN.INVALID_REQUEST for a malformed request', async () => {
      expect(await verify(`${'a'.repeat(14)}.atlasv1.${'b'.repeat(67)}`)).toBeNull();
      expect(await verify('abc.atlasv1.def')).toBeNull();
      expect(await failure(send(USER_TOKEN.createUserToken, { userId: 42 }))).toMatchObject({
        code: 'TOKEN.INVALID_REQUEST',
        details: { attribute: 'userId' },
      });
    });

    it('a repeated create request (same idempotency key) creates no second token', async () => {
      const requestId = uuidv7();
      const first = await create(U('user-retry'), { requestId });
      expect(await failure(create(U('user-retry'), { requestId }))).toMatchObject({
        code: 'TOKEN.ALREADY_EXISTS',
      });
      expect((await list(U('user-retry'))).map((t) => t.id)).toEqual([first.token.id]);
    });

    describe('identity events', () => {
      let revision = 0;
      const identityEvent = (e: IdentityIntegrationEvent): RecordedEvent => ({
        id: uuidv7(),
        type: e.type,
        schemaVersion: 1,
        stream: `account-${e.data.userId}`,
        revision: revision++,
        position: BigInt(revision),
        occurredAt: new Date(clock.t),
        data: e.data,
        metadata: { correlationId: 'c-identity' },
      });
      const emit = async (event: RecordedEvent) => {
        const m = toEventMessage(event);
        await lastValueFrom(
          host.bus.emit(eventsTopic('identity'), jsonBusRecord(m.key, m.value, m.headers)),
          {
            defaultValue: undefined,
          },
        );
      };

      it('suspension blocks verification; unsuspension restores it (unless expired)', async () => {
        clock.t = T0;
        const user = U('user-suspended');
        const forever = await create(user);
        const short = await create(user, { expiredAt: new Date(T0 + 5 * MINUTE).toISOString() });
        const bystander = await create(U('user-bystander'));
        const suspended = identityEvent({ type: 'AccountSuspended', data: { userId: user } });
        await emit(suspended);
        await eventually(async () => {
          expect(await verify(forever.secret)).toBeNull();
          expect(await verify(short.secret)).toBeNull();
        });
        expect(await verify(bystander.secret)).not.toBeNull();
        expect((await list(user)).length).toBe(2); // kept, not revoked

        clock.t = T0 + 5 * MINUTE;
        await emit(identityEvent({ type: 'AccountUnsuspended', data: { userId: user } }));
        await eventually(async () => expect(await verify(forever.secret)).not.toBeNull());
        expect(await verify(short.secret)).toBeNull(); // expired meanwhile

        // A redelivered suspension changes nothing.
        const head = await host.store.headPosition();
        await emit(suspended);
        await new Promise((r) => setTimeout(r, 300));
        expect(await host.store.headPosition()).toBe(head);
        expect(await verify(forever.secret)).not.toBeNull();
        const owner = await host.store.readStream(`token-owner-${user}`);
        expect(owner.map((e) => e.type)).toEqual(['UserTokensSuspended', 'UserTokensUnsuspended']);
        expect(owner[0]!.metadata).toMatchObject({ causationId: suspended.id, correlationId: 'c-identity' });
      });

      it('deletion revokes every token of the user', async () => {
        clock.t = T0;
        const user = U('user-deleted');
        const [a, b] = [await create(user), await create(user)];
        await emit(identityEvent({ type: 'AccountDeleted', data: { userId: user } }));
        await eventually(async () => {
          expect(await verify(a.secret)).toBeNull();
          expect(await verify(b.secret)).toBeNull();
        });
        expect(await list(user)).toEqual([]);
        expect((await host.store.readStream(`user-token-${a.token.id}`)).at(-1)?.data).toMatchObject({
          reason: 'account-deleted',
        });
      });
    });

    it('never stores a secret: events hold only its SHA-256', async () => {
      const all = await host.store.readAll(0n, 10_000);
      const json = JSON.stringify(all, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
      expect(issued.length).toBeGreaterThan(8);
      for (const secret of issued) {
        expect(json).not.toContain(secret);
        expect(json).toContain(sha256Hex(secret));
      }
    });
  });

jest.setTimeout(120_000);

describeUserTokens('user API tokens, embedded configuration (PGlite, in-process bus, memory)', async () => ({
  EVENT_STORE_URL: 'pglite://memory',
}));

describeWithInfra(['postgres', 'kafka', 'mongo'], 'user API tokens, distributed configuration', (infra) => {
  let deployment: DistributedTestEnv | undefined;
  describeUserTokens(
    'PostgreSQL, Kafka, MongoDB',
    async () => (deployment = await distributedTestEnv(infra(), 'token')).env,
    async () => deployment?.cleanup(),
  );
});
