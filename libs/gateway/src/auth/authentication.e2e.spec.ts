import { OutsideController, WhoAmIController } from '../testing/probe-controllers';
import { TOKEN } from '@idp/contracts';
import { createGatewayAppWithFakeServices, type FakeServicesApp } from '../testing/fake-services';
import { AUTH_CLOCK, CREDENTIAL_CACHE } from './auth.tokens';
import type { CredentialCache } from './credential-cache';

const UNAUTHORIZED = { errors: [{ status: '401', title: 'unauthorized' }] };

describe('authentication of /api/v2', () => {
  let fx: FakeServicesApp;
  let now = Date.now();
  const verifies = () => fx.state.callsOf(TOKEN.verifyCredential).length;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const whoami = (headers: Record<string, string> = {}) => fx.app.inject({ url: '/api/v2/whoami', headers });
  const newSession = () => {
    const account = fx.state.addAccount({
      username: `u${fx.state.accounts.size}`,
      email: `u${fx.state.accounts.size}@example.com`,
      password: 'correct horse battery',
    });
    return fx.state.startSession(account.id);
  };

  beforeAll(async () => {
    fx = await createGatewayAppWithFakeServices({
      controllers: [WhoAmIController, OutsideController],
      config: { authCacheTtlMs: 5_000, authCacheMaxEntries: 3 },
      overrides: [{ provide: AUTH_CLOCK, useValue: () => now }],
    });
  });
  afterAll(() => fx.close());
  beforeEach(() => {
    now = Date.now();
    fx.app.get<CredentialCache>(CREDENTIAL_CACHE).clear();
    fx.state.verifyReply = undefined;
  });

  describe('401 exactly as TFC, without asking the token service when there is nothing to ask', () => {
    it.each([
      ['no credential', {}],
      ['another scheme', { authorization: 'Basic YWRhOnB3' }],
      ['Bearer without a token', { authorization: 'Bearer' }],
      ['Bearer with two tokens', { authorization: 'Bearer a b' }],
      ['a token with characters no token has', { authorization: 'Bearer a"b' }],
      ['an overlong token', { authorization: `Bearer ${'a'.repeat(513)}` }],
      ['an empty cookie', { cookie: 'idp_session=' }],
      ['a cookie with junk', { cookie: 'idp_session=a b\\c' }],
      ['another cookie only', { cookie: 'session=abc' }],
    ])('%s', async (_, headers) => {
      const before = verifies();
      const res = await whoami(headers as Record<string, string>);
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toBe('application/vnd.api+json');
      expect(res.json()).toEqual(UNAUTHORIZED);
      expect(verifies()).toBe(before);
    });

    it('an unknown token is asked about (every time: unknown answers are not cached) and refused', async () => {
      const before = verifies();
      for (let i = 0; i < 2; i++)
        expect((await whoami(bearer('unknown-token'))).json()).toEqual(UNAUTHORIZED);
      expect(verifies()).toBe(before + 2);
    });

    it('an unknown cookie likewise', async () => {
      expect((await whoami({ cookie: 'idp_session=unknown-token' })).statusCode).toBe(401);
    });

    it('a malformed or expired answer from the token service is no principal', async () => {
      const session = newSession();
      for (const reply of [
        { kind: 'api-token', userId: session.userId, sessionId: session.id, expiresAt: session.expiresAt },
        { kind: 'session', userId: '', sessionId: session.id, expiresAt: session.expiresAt },
        { kind: 'session', userId: session.userId, sessionId: session.id, expiresAt: 'soon' },
        {
          kind: 'session',
          userId: session.userId,
          sessionId: session.id,
          expiresAt: new Date(now - 1).toISOString(),
        },
        'yes',
      ]) {
        fx.state.verifyReply = () => reply;
        expect((await whoami(bearer(session.token))).statusCode).toBe(401);
      }
    });
  });

  describe('credentials', () => {
    it('a bearer token: the principal on the request, the actor on every message, the request id passed on', async () => {
      const session = newSession();
      const res = await whoami({ ...bearer(session.token), 'x-request-id': 'req-42' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        principal: {
          kind: 'session',
          userId: session.userId,
          sessionId: session.id,
          expiresAt: session.expiresAt,
        },
      });
      expect(res.headers['x-request-id']).toBe('req-42');
      const [verify] = fx.state.callsOf(TOKEN.verifyCredential).slice(-1);
      expect(verify.payload).toEqual({
        token: session.token,
        meta: { correlationId: 'req-42', ip: '127.0.0.1' },
      });
    });

    it('a request id that is not sane is replaced by a generated one', async () => {
      const res = await whoami({ 'x-request-id': 'x'.repeat(201) });
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('the cookie, among others, first occurrence wins; scheme is case-insensitive', async () => {
      const session = newSession();
      expect((await whoami({ cookie: `a=1; idp_session=${session.token}; b=2` })).statusCode).toBe(200);
      expect((await whoami({ cookie: `idp_session="${session.token}"` })).statusCode).toBe(200);
      expect((await whoami({ authorization: `bearer ${session.token}` })).statusCode).toBe(200);
    });

    it('the Authorization header wins over the cookie, even when it is bad', async () => {
      const session = newSession();
      const res = await whoami({ authorization: 'Bearer nope', cookie: `idp_session=${session.token}` });
      expect(res.statusCode).toBe(401);
    });
  });

  describe('the verification cache', () => {
    it('a verified credential is not asked about again within the TTL, and again after it', async () => {
      const session = newSession();
      const before = verifies();
      for (let i = 0; i < 3; i++) expect((await whoami(bearer(session.token))).statusCode).toBe(200);
      expect(verifies()).toBe(before + 1);
      now += 4_999;
      expect((await whoami(bearer(session.token))).statusCode).toBe(200);
      expect(verifies()).toBe(before + 1);
      now += 2;
      expect((await whoami(bearer(session.token))).statusCode).toBe(200);
      expect(verifies()).toBe(before + 2);
    });

    it('a session revoked elsewhere keeps working until the TTL runs out, then 401', async () => {
      const session = newSession();
      expect((await whoami(bearer(session.token))).statusCode).toBe(200);
      fx.state.sessions.get(session.id)!.ended = true; // e.g. ended by a password reset
      now += 1_000;
      expect((await whoami(bearer(session.token))).statusCode).toBe(200);
      now += 4_001;
      expect((await whoami(bearer(session.token))).statusCode).toBe(401);
    });

    it('never trusts a credential past its own expiry', async () => {
      const session = newSession();
      fx.state.sessions.get(session.id)!.expiresAt = new Date(now + 1_000).toISOString();
      expect((await whoami(bearer(session.token))).statusCode).toBe(200);
      const before = verifies();
      now += 1_001;
      fx.state.sessions.get(session.id)!.ended = true;
      expect((await whoami(bearer(session.token))).statusCode).toBe(401);
      expect(verifies()).toBe(before + 1);
    });

    it('keeps hashes, never secrets, and at most AUTH_CACHE_MAX_ENTRIES (least recently used goes)', async () => {
      const cache = fx.app.get<CredentialCache>(CREDENTIAL_CACHE);
      const sessions = [newSession(), newSession(), newSession(), newSession()];
      for (const s of sessions) await whoami(bearer(s.token));
      expect(cache.size).toBe(3);
      const keys = [...(cache as unknown as { entries: Map<string, unknown> }).entries.keys()];
      for (const key of keys) expect(key).toMatch(/^[0-9a-f]{64}$/);
      for (const s of sessions) expect(JSON.stringify([...keys])).not.toContain(s.token);
      const before = verifies();
      await whoami(bearer(sessions[0].token)); // evicted: asked again
      expect(verifies()).toBe(before + 1);
    });

    it('concurrent requests with one credential share one verification', async () => {
      const session = newSession();
      fx.state.verifyDelayMs = 30;
      try {
        const before = verifies();
        const answers = await Promise.all(Array.from({ length: 5 }, () => whoami(bearer(session.token))));
        expect(answers.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200]);
        expect(verifies()).toBe(before + 1);
      } finally {
        fx.state.verifyDelayMs = 0;
      }
    });
  });

  describe('what is not authenticated', () => {
    it('public routes: ping answers whatever the token, without asking', async () => {
      const before = verifies();
      expect((await fx.app.inject({ url: '/api/v2/ping', headers: bearer('junk') })).statusCode).toBe(204);
      expect((await fx.app.inject({ url: '/api/v2/ping' })).statusCode).toBe(204);
      expect(verifies()).toBe(before);
    });

    it('routes outside /api/v2 (ops probes, discovery)', async () => {
      expect((await fx.app.inject({ url: '/outside' })).statusCode).toBe(200);
      expect((await fx.app.inject({ url: '/.well-known/terraform.json' })).statusCode).toBe(200);
    });

    it('unknown routes are a 404 either way', async () => {
      expect((await fx.app.inject({ url: '/api/v2/nope' })).statusCode).toBe(404);
    });
  });
});

describe('authentication settings', () => {
  it('AUTH_CACHE_TTL_MS=0 asks the token service every time', async () => {
    const fx = await createGatewayAppWithFakeServices({
      controllers: [WhoAmIController],
      config: { authCacheTtlMs: 0 },
    });
    try {
      const account = fx.state.addAccount({
        username: 'a',
        email: 'a@example.com',
        password: 'correct horse battery',
      });
      const session = fx.state.startSession(account.id);
      for (let i = 0; i < 3; i++)
        expect(
          (
            await fx.app.inject({
              url: '/api/v2/whoami',
              headers: { authorization: `Bearer ${session.token}` },
            })
          ).statusCode,
        ).toBe(200);
      expect(fx.state.callsOf(TOKEN.verifyCredential)).toHaveLength(3);
    } finally {
      await fx.close();
    }
  });

  it('a token service that does not answer in time is a 503, never a 401', async () => {
    const fx = await createGatewayAppWithFakeServices({
      controllers: [WhoAmIController],
      config: { busTimeoutMs: 100 },
    });
    fx.state.verifyDelayMs = 400;
    try {
      const res = await fx.app.inject({
        url: '/api/v2/whoami',
        headers: { authorization: 'Bearer some-token' },
      });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ errors: [{ status: '503', title: 'service unavailable' }] });
    } finally {
      await new Promise((r) => setTimeout(r, 450));
      await fx.close();
    }
  });

  it('with no bus at all (BUS.UNAVAILABLE) a credential is a 503', async () => {
    const { createGatewayTestApp } = await import('../testing/gateway-test-app');
    const app = await createGatewayTestApp({ controllers: [WhoAmIController] });
    try {
      const res = await app.inject({
        url: '/api/v2/whoami',
        headers: { authorization: 'Bearer some-token' },
      });
      expect(res.statusCode).toBe(503);
    } finally {
      await app.close();
    }
  });
});
