import { useTokenTestHost } from './testing/token-test-host';
import { randomBytes } from 'node:crypto';
import { lastValueFrom } from 'rxjs';
import {
  eventsTopic,
  type IdentityIntegrationEvent,
  type ListSessionsResult,
  type StartSessionResult,
  TOKEN,
  type VerifyResult,
} from '@idp/contracts';
import { jsonBusRecord, type RecordedEvent, sha256Hex, toEventMessage, uuidv7 } from '@idp/eventing';
import {
  describeWithInfra,
  uniqueName,
  distributedTestEnv,
  type DistributedTestEnv,
  eventually,
} from '@idp/testing';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const T0 = Date.parse('2026-11-26T10:00:00.000Z');
// Generous: a distributed host joins consumer groups and creates topics before it answers.
const SLOW = 120_000;

/** The token service through the real host and bus: requests over the bus, identity events on its topic. */
const describeSessions = (
  name: string,
  env: () => Promise<Record<string, string>>,
  cleanup: () => Promise<void> = async () => {},
) =>
  describe(name, () => {
    const clock = { t: T0, now: () => new Date(clock.t) };
    // User ids unique per run: on Kafka a new consumer group also reads requests left on the topics by earlier runs.
    const run = uniqueName('run');
    const U = (name: string) => `${name}-${run}`;
    const issued: string[] = [];
    const { host, send } = useTokenTestHost(env, cleanup, clock);
    const start = async (userId: string, extra: Record<string, unknown> = {}) => {
      // A fresh idempotency key per login, as the gateway does: a request redelivered by Kafka starts nothing twice.
      const result = await send<StartSessionResult>(TOKEN.startSession, {
        userId,
        requestId: uuidv7(),
        ...extra,
      });
      issued.push(result.token);
      return result;
    };
    const verify = (token: string) => send<VerifyResult>(TOKEN.verifyCredential, { token });
    const list = (userId: string, currentSessionId?: string) =>
      send<ListSessionsResult>(TOKEN.listSessions, { userId, currentSessionId });
    const failure = (p: Promise<unknown>) =>
      p.then(
        () => {
          throw new Error('expected an error reply');
        },
        (err: unknown) => err,
      );
    const eventsOf = async (sessionId: string) => host.store.readStream(`session-${sessionId}`);
    it('start → verify → list → end → verify null', async () => {
      clock.t = T0;
      const { session, token } = await start(U('user-1'), {
        userAgent: 'Firefox/140',
        meta: { ip: '203.0.113.7', correlationId: 'c-1' },
      });
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(session).toEqual({
        id: expect.stringMatching(/^sess-[A-Za-z0-9]{16}$/),
        userId: U('user-1'),
        createdAt: '2026-11-26T10:00:00.000Z',
        lastSeenAt: '2026-11-26T10:00:00.000Z',
        expiresAt: '2026-11-26T11:00:00.000Z',
        ip: '203.0.113.7',
        userAgent: 'Firefox/140',
        current: true,
      });
      // Read-your-writes: the reply came after the projection, so the token works at once.
      expect(await verify(token)).toEqual({
        kind: 'session',
        sessionId: session.id,
        userId: U('user-1'),
        expiresAt: '2026-11-26T11:00:00.000Z',
      });

      clock.t = T0 + 10 * MINUTE;
      expect((await verify(token))?.expiresAt).toBe('2026-11-26T11:10:00.000Z');
      const { sessions } = await list(U('user-1'), session.id);
      expect(sessions).toEqual([
        { ...session, lastSeenAt: '2026-11-26T10:10:00.000Z', expiresAt: '2026-11-26T11:10:00.000Z' },
      ]);
      expect((await list(U('user-1'))).sessions[0]).not.toHaveProperty('current');

      expect(await send(TOKEN.endSession, { userId: U('user-1'), sessionId: session.id })).toEqual({
        ended: true,
      });
      expect(await verify(token)).toBeNull();
      expect((await list(U('user-1'))).sessions).toEqual([]);
      expect(await send(TOKEN.endSession, { userId: U('user-1'), sessionId: session.id })).toEqual({
        ended: false,
      });
      const stored = await eventsOf(session.id);
      expect(stored.map((e) => [e.type, (e.data as { reason?: string }).reason])).toEqual([
        ['SessionStarted', undefined],
        ['SessionEnded', 'logout'],
      ]);
      expect(stored[0]!.metadata).toMatchObject({ correlationId: 'c-1' });
    });

    it('a repeated login request (same idempotency key) starts no second session', async () => {
      clock.t = T0;
      const requestId = uuidv7();
      const first = await start(U('user-retry'), { requestId });
      expect(await failure(start(U('user-retry'), { requestId }))).toMatchObject({
        code: 'SESSION.ALREADY_EXISTS',
      });
      expect((await list(U('user-retry'))).sessions.map((s) => s.id)).toEqual([first.session.id]);
      expect(await verify(first.token)).not.toBeNull();
    });

    it('"log out everywhere" ends every other session of the caller', async () => {
      clock.t = T0;
      const [current, other1, other2] = [
        await start(U('user-all')),
        await start(U('user-all')),
        await start(U('user-all')),
      ];
      expect(
        await send(TOKEN.endAllSessions, { userId: U('user-all'), exceptSessionId: current.session.id }),
      ).toEqual({ ended: 2 });
      expect(await verify(other1.token)).toBeNull();
      expect(await verify(other2.token)).toBeNull();
      expect(await verify(current.token)).not.toBeNull();
      expect((await eventsOf(other1.session.id)).at(-1)?.data).toMatchObject({ reason: 'revoked' });
    });

    it("refuses to end someone else's session, or an unknown one, with SESSION.NOT_FOUND", async () => {
      clock.t = T0;
      const { session, token } = await start(U('user-owner'));
      for (const body of [
        { userId: U('user-intruder'), sessionId: session.id },
        { userId: U('user-owner'), sessionId: 'sess-doesnotexist00' },
      ])
        expect(await failure(send(TOKEN.endSession, body))).toMatchObject({
          code: 'SESSION.NOT_FOUND',
          message: 'session not found',
        });
      expect(await verify(token)).not.toBeNull();
    });

    it('answers null for unknown or malformed secrets, and TOKEN.INVALID_REQUEST for a malformed request', async () => {
      expect(await verify(randomBytes(32).toString('base64url'))).toBeNull();
      expect(await verify('short')).toBeNull();
      expect(await failure(send(TOKEN.startSession, { userId: 42 }))).toMatchObject({
        code: 'TOKEN.INVALID_REQUEST',
        details: { attribute: 'userId' },
      });
    });

    it('expires after the idle timeout, at the boundary; activity within a minute is not recorded', async () => {
      clock.t = T0;
      const idle = await start(U('user-idle'));
      const coarse = await start(U('user-idle'));

      clock.t = T0 + 30 * 1000;
      expect(await verify(coarse.token)).not.toBeNull(); // within the touch interval: last-seen stays T0
      clock.t = T0 + HOUR - 1;
      expect(await verify(idle.token)).not.toBeNull(); // one millisecond before its deadline; last-seen moves
      clock.t = T0 + HOUR;
      expect(await verify(coarse.token)).toBeNull(); // at its deadline (the use at +30 s was not recorded)

      clock.t = T0 + 2 * HOUR - 2;
      expect(await verify(idle.token)).toEqual(
        expect.objectContaining({ expiresAt: new Date(T0 + 3 * HOUR - 2).toISOString() }),
      );
      clock.t = T0 + 3 * HOUR - 2;
      expect(await verify(idle.token)).toBeNull();

      expect(
        (await eventsOf(idle.session.id)).map((e) => [e.type, (e.data as { reason?: string }).reason]),
      ).toEqual([
        ['SessionStarted', undefined],
        ['SessionEnded', 'expired'],
      ]);
      expect((await list(U('user-idle'))).sessions).toEqual([]);
    });

    it('expires at the absolute timeout however active the session is', async () => {
      clock.t = T0;
      const { session, token } = await start(U('user-absolute'));
      for (let t = T0 + 59 * MINUTE; t < T0 + 12 * HOUR; t += 59 * MINUTE) {
        clock.t = t;
        expect(await verify(token)).not.toBeNull();
      }
      clock.t = T0 + 12 * HOUR - 1;
      expect(await verify(token)).toEqual(expect.objectContaining({ expiresAt: '2026-11-26T22:00:00.000Z' }));
      clock.t = T0 + 12 * HOUR;
      expect(await verify(token)).toBeNull();
      expect((await eventsOf(session.id)).at(-1)?.data).toMatchObject({ reason: 'expired' });
    });

    describe('identity events', () => {
      let revision = 0;
      const identityEvent = (e: IdentityIntegrationEvent, id = uuidv7()): RecordedEvent => ({
        id,
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
      const who = (user: string) => ({
        userId: user,
        username: user,
        email: `${user.slice(0, 20)}@example.com`,
      });

      it('a password reset ends every session of the user started before it; a change does not', async () => {
        clock.t = T0;
        const [a, b] = [await start(U('user-reset')), await start(U('user-reset'))];
        const other = await start(U('user-bystander'));
        await emit(
          identityEvent({ type: 'PasswordChanged', data: { ...who(U('user-reset')), reason: 'changed' } }),
        );
        clock.t = T0 + MINUTE;
        const reset = identityEvent({
          type: 'PasswordChanged',
          data: { ...who(U('user-reset')), reason: 'reset' },
        });
        await emit(reset);
        await eventually(async () => {
          expect(await verify(a.token)).toBeNull();
          expect(await verify(b.token)).toBeNull();
        });
        expect(await verify(other.token)).not.toBeNull();
        const ended = (await eventsOf(a.session.id)).at(-1)!;
        expect(ended.data).toMatchObject({ reason: 'password-reset' });
        expect(ended.metadata).toMatchObject({ causationId: reset.id, correlationId: 'c-identity' });

        // Redelivery changes nothing, even for a login made after the reset.
        clock.t = T0 + 2 * MINUTE;
        const later = await start(U('user-reset'));
        const head = await host.store.headPosition();
        await emit(reset);
        await emit(reset);
        await new Promise((r) => setTimeout(r, 300));
        expect(await host.store.headPosition()).toBe(head);
        expect(await verify(later.token)).not.toBeNull();
      });

      it('suspension and deletion end every session of the user', async () => {
        clock.t = T0 + 3 * MINUTE;
        const suspended = await start(U('user-suspended'));
        const deleted = await start(U('user-deleted'));
        await emit(identityEvent({ type: 'AccountSuspended', data: { userId: U('user-suspended') } }));
        await emit(identityEvent({ type: 'AccountDeleted', data: { userId: U('user-deleted') } }));
        await eventually(async () => {
          expect(await verify(suspended.token)).toBeNull();
          expect(await verify(deleted.token)).toBeNull();
        });
        expect((await eventsOf(suspended.session.id)).at(-1)?.data).toMatchObject({
          reason: 'account-suspended',
        });
        expect((await eventsOf(deleted.session.id)).at(-1)?.data).toMatchObject({
          reason: 'account-deleted',
        });
      });
    });

    it('never stores a secret: events hold only its SHA-256', async () => {
      const all = await host.store.readAll(0n, 10_000);
      const json = JSON.stringify(all, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
      expect(issued.length).toBeGreaterThan(10);
      for (const token of issued) {
        expect(json).not.toContain(token);
        expect(json).toContain(sha256Hex(token));
      }
    });
  });

jest.setTimeout(SLOW);

describeSessions('token sessions, embedded configuration (PGlite, in-process bus, memory)', async () => ({
  EVENT_STORE_URL: 'pglite://memory',
}));

describeWithInfra(['postgres', 'kafka', 'mongo'], 'token sessions, distributed configuration', (infra) => {
  let deployment: DistributedTestEnv | undefined;
  describeSessions(
    'PostgreSQL, Kafka, MongoDB',
    async () => (deployment = await distributedTestEnv(infra(), 'token')).env,
    async () => deployment?.cleanup(),
  );
});
