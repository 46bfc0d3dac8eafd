import { eventsTopic } from '@idp/contracts';
import { BUS_CLIENT, type InProcessBusClient, jsonBusRecord, toEventMessage } from '@idp/eventing';
import { lastValueFrom } from 'rxjs';
import { createGatewayAppWithFakeServices, type FakeServicesApp } from '../testing/fake-services';
import { WhoAmIController } from '../testing/probe-controllers';

/**
 * GatewayModule's eviction handlers on a real bus: the fake services' app connects the in-process transport to
 * the whole app as the host does, so the gateway's `@EventPattern`s are live. The cache TTL is a minute: anything
 * that stops working within this test was evicted, not expired.
 */
describe('credential eviction on token and identity events (GatewayModule on the in-process bus)', () => {
  let fx: FakeServicesApp;
  let n = 0;

  beforeAll(async () => {
    fx = await createGatewayAppWithFakeServices({
      controllers: [WhoAmIController],
      config: { authCacheTtlMs: 60_000 },
    });
  });
  afterAll(() => fx.close());

  const whoami = async (token: string) =>
    (await fx.app.inject({ url: '/api/v2/whoami', headers: { authorization: `Bearer ${token}` } }))
      .statusCode;
  const verifyCalls = () => fx.state.callsOf('token.verify-credential').length;
  const newUser = () => {
    n++;
    return fx.state.addAccount({
      username: `evict${n}`,
      email: `evict${n}@example.com`,
      password: 'correct horse battery',
    });
  };

  /** Publishes an integration event as the relay does, and waits until every consumer group handled it. */
  const publish = async (service: 'token' | 'identity', type: string, data: unknown) => {
    const bus = fx.app.get<InProcessBusClient>(BUS_CLIENT);
    const { key, value, headers } = toEventMessage({
      id: `evt-${type}-${++n}`,
      type,
      schemaVersion: 1,
      stream: `stream-${n}`,
      revision: 0,
      position: BigInt(n),
      occurredAt: new Date(),
      data,
      metadata: {},
    });
    await lastValueFrom(
      bus.emit(eventsTopic(service), jsonBusRecord(key, value, headers), { ack: 'handled' }),
    );
  };

  it('SessionEnded: a session still cached (ended behind the gateway) is refused at the next request', async () => {
    const user = newUser();
    const session = fx.state.startSession(user.id);
    expect(await whoami(session.token)).toBe(200);
    const calls = verifyCalls();
    session.ended = true; // the token service ended it; this gateway was not involved
    expect(await whoami(session.token)).toBe(200); // served from the cache
    expect(verifyCalls()).toBe(calls);
    await publish('token', 'SessionEnded', {
      sessionId: session.id,
      userId: user.id,
      reason: 'revoked',
      endedAt: new Date().toISOString(),
    });
    expect(await whoami(session.token)).toBe(401);
    expect(verifyCalls()).toBe(calls + 1);
  });

  it('AccountSuspended (identity.events): every cached credential of the user goes, nobody else’s', async () => {
    const alice = newUser();
    const bob = newUser();
    const a1 = fx.state.startSession(alice.id);
    const a2 = fx.state.startSession(alice.id);
    const b1 = fx.state.startSession(bob.id);
    for (const s of [a1, a2, b1]) expect(await whoami(s.token)).toBe(200);
    const calls = verifyCalls();
    // The token service would end them on the same event; here they end with it.
    a1.ended = a2.ended = true;
    await publish('identity', 'AccountSuspended', { userId: alice.id });
    expect(await whoami(a1.token)).toBe(401);
    expect(await whoami(a2.token)).toBe(401);
    expect(await whoami(b1.token)).toBe(200);
    expect(verifyCalls()).toBe(calls + 2); // bob's still came from the cache
  });

  it('UserTokenRevoked: a cached user API token is refused at the next request', async () => {
    const user = newUser();
    const secret = `revoked-${n}.atlasv1.${'x'.repeat(60)}`;
    let valid = true;
    fx.state.verifyReply = (token) =>
      token === secret && valid
        ? {
            kind: 'user-token',
            userId: user.id,
            tokenId: 'at-evict',
            expiresAt: null,
            createdAt: new Date().toISOString(),
          }
        : null;
    try {
      expect(await whoami(secret)).toBe(200);
      valid = false;
      expect(await whoami(secret)).toBe(200);
      await publish('token', 'UserTokenRevoked', { tokenId: 'at-evict', userId: user.id, reason: 'revoked' });
      expect(await whoami(secret)).toBe(401);
    } finally {
      fx.state.verifyReply = undefined;
    }
  });

  it('an answer that was on its way while an eviction happened is used once but not cached', async () => {
    const user = newUser();
    const session = fx.state.startSession(user.id);
    fx.state.verifyDelayMs = 200;
    try {
      const pending = whoami(session.token);
      await new Promise((r) => setTimeout(r, 50));
      // The session ends and its event overtakes the (slow) verification answer.
      await publish('token', 'SessionEnded', {
        sessionId: session.id,
        userId: user.id,
        reason: 'revoked',
        endedAt: new Date().toISOString(),
      });
      expect(await pending).toBe(200); // asked before the end: answered as it was
      session.ended = true;
      fx.state.verifyDelayMs = 0;
      expect(await whoami(session.token)).toBe(401); // not cached: asked again
    } finally {
      fx.state.verifyDelayMs = 0;
    }
  });

  it('a request arriving after an eviction does not join a verification that started before it', async () => {
    const user = newUser();
    const session = fx.state.startSession(user.id);
    fx.state.verifyDelayMs = 200;
    try {
      const calls = verifyCalls();
      const first = whoami(session.token);
      const joined = whoami(session.token); // same credential, same moment: one call for both
      await new Promise((r) => setTimeout(r, 50));
      await publish('token', 'SessionEnded', {
        sessionId: session.id,
        userId: user.id,
        reason: 'revoked',
        endedAt: new Date().toISOString(),
      });
      const after = whoami(session.token); // asks anew
      await Promise.all([first, joined, after]);
      expect(verifyCalls()).toBe(calls + 2);
    } finally {
      fx.state.verifyDelayMs = 0;
    }
  });

  it('a malformed message on the topic is dropped; the next event still evicts', async () => {
    const user = newUser();
    const session = fx.state.startSession(user.id);
    expect(await whoami(session.token)).toBe(200);
    const bus = fx.app.get<InProcessBusClient>(BUS_CLIENT);
    await lastValueFrom(bus.emit(eventsTopic('token'), 'not an event', { ack: 'handled' }));
    await publish('token', 'SessionEnded', { userId: user.id }); // no sessionId
    session.ended = true;
    expect(await whoami(session.token)).toBe(200); // nothing was evicted
    await publish('token', 'SessionEnded', {
      sessionId: session.id,
      userId: user.id,
      reason: 'logout',
      endedAt: new Date().toISOString(),
    });
    expect(await whoami(session.token)).toBe(401);
  });
});
