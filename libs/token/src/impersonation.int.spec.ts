import { lastValueFrom } from 'rxjs';
import {
  type EndImpersonationResult,
  eventsTopic,
  type IdentityIntegrationEvent,
  IMPERSONATION,
  type StartSessionResult,
  TOKEN,
  type VerifyResult,
} from '@idp/contracts';
import { jsonBusRecord, type RecordedEvent, toEventMessage, uuidv7 } from '@idp/eventing';
import { eventually, uniqueName } from '@idp/testing';
import { useTokenTestHost } from './testing/token-test-host';

const T0 = Date.parse('2026-11-26T10:00:00.000Z');
jest.setTimeout(120_000);

/** Impersonation sessions (TFC-API §10) through the real host and bus, embedded configuration. */
describe('token impersonation sessions, embedded configuration (PGlite, in-process bus, memory)', () => {
  const clock = { t: T0, now: () => new Date(clock.t) };
  const run = uniqueName('run');
  const U = (name: string) => `${name}-${run}`;
  const { host, send } = useTokenTestHost(
    async () => ({ EVENT_STORE_URL: 'pglite://memory' }),
    async () => {},
    clock,
  );
  const start = (userId: string) =>
    send<StartSessionResult>(TOKEN.startSession, { userId, requestId: uuidv7() });
  const verify = (token: string) => send<VerifyResult>(TOKEN.verifyCredential, { token });
  const asAdmin = (admin: string) => ({
    actor: { kind: 'user' as const, id: admin },
    correlationId: 'c-imp',
  });
  const impersonate = (admin: string, adminSessionId: string, userId: string, reason = 'ticket 42') =>
    send<StartSessionResult>(IMPERSONATION.start, {
      meta: asAdmin(admin),
      adminUserId: admin,
      adminSessionId,
      userId,
      reason,
    });
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => {
        throw new Error('expected an error reply');
      },
      (err: { code?: string }) => err.code,
    );
  const eventsOf = (sessionId: string) => host.store.readStream(`session-${sessionId}`);

  it('starts a session as the target that verifies with the impersonator and reason, then returns to the admin', async () => {
    const admin = await start(U('admin'));
    const imp = await impersonate(U('admin'), admin.session.id, U('ada'), '  support ticket 42 ');
    expect(await verify(imp.token)).toEqual({
      kind: 'session',
      sessionId: imp.session.id,
      userId: U('ada'),
      expiresAt: expect.any(String),
      impersonatorId: U('admin'),
      impersonationReason: 'support ticket 42',
    });
    const [started] = await eventsOf(imp.session.id);
    expect(started).toMatchObject({
      type: 'SessionStarted',
      data: {
        userId: U('ada'),
        impersonation: {
          impersonatorId: U('admin'),
          reason: 'support ticket 42',
          returnToSessionId: admin.session.id,
        },
      },
      metadata: { actor: { kind: 'user', id: U('admin') } },
    });

    // Never while already impersonating, never oneself, never without a reason, never from another's session.
    const nested = send(IMPERSONATION.start, {
      meta: asAdmin(U('admin')),
      adminUserId: U('ada'),
      adminSessionId: imp.session.id,
      userId: U('bob'),
      reason: 'x',
    });
    expect(await failure(nested)).toBe('IMPERSONATION.FORBIDDEN');
    expect(await failure(impersonate(U('admin'), admin.session.id, U('admin')))).toBe(
      'IMPERSONATION.FORBIDDEN',
    );
    expect(await failure(impersonate(U('admin'), admin.session.id, U('bob'), '   '))).toBe(
      'IMPERSONATION.REASON_REQUIRED',
    );
    expect(await failure(impersonate(U('other'), admin.session.id, U('bob')))).toBe('SESSION.NOT_FOUND');

    // Unimpersonating with an ordinary session: 400.
    expect(await failure(send(IMPERSONATION.end, { userId: U('admin'), sessionId: admin.session.id }))).toBe(
      'IMPERSONATION.NOT_IMPERSONATING',
    );

    const back = await send<EndImpersonationResult>(IMPERSONATION.end, {
      meta: { actor: { kind: 'user', id: U('ada'), impersonatorId: U('admin'), impersonationReason: 'x' } },
      userId: U('ada'),
      sessionId: imp.session.id,
    });
    expect(back.impersonatorId).toBe(U('admin'));
    expect(back.restored?.session.userId).toBe(U('admin'));
    expect(await verify(imp.token)).toBeNull();
    expect(await verify(admin.token)).toBeNull(); // replaced by the restored session
    expect(await verify(back.restored!.token)).toMatchObject({ kind: 'session', userId: U('admin') });
    expect(await verify(back.restored!.token)).not.toHaveProperty('impersonatorId');
  });

  it("ends an admin's impersonation sessions when the admin is suspended or loses the admin flag", async () => {
    let revision = 0;
    const emit = async (e: IdentityIntegrationEvent) => {
      const event: RecordedEvent = {
        id: uuidv7(),
        type: e.type,
        schemaVersion: 1,
        stream: `account-${e.data.userId}`,
        revision: revision++,
        position: BigInt(revision),
        occurredAt: new Date(clock.t),
        data: e.data,
        metadata: {},
      };
      const m = toEventMessage(event);
      await lastValueFrom(host.bus.emit(eventsTopic('identity'), jsonBusRecord(m.key, m.value, m.headers)), {
        defaultValue: undefined,
      });
    };
    for (const [type, reason] of [
      ['SiteAdminRevoked', 'revoked'],
      ['AccountSuspended', 'account-suspended'],
    ] as const) {
      const admin = U(`admin-${type}`);
      const own = await start(admin);
      const imp = await impersonate(admin, own.session.id, U(`target-${type}`));
      const bystander = await start(U(`target-${type}`));
      await emit({ type, data: { userId: admin } });
      await eventually(async () => expect(await verify(imp.token)).toBeNull());
      expect((await eventsOf(imp.session.id)).at(-1)?.data).toMatchObject({ reason });
      // The target's own session is not the admin's business.
      expect(await verify(bystander.token)).not.toBeNull();
    }
  });
});
