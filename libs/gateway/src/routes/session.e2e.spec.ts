import { IDENTITY, TOKEN } from '@idp/contracts';
import { TIMESTAMP_PATTERN } from '../jsonapi/timestamp';
import { createGatewayAppWithFakeServices, type FakeServicesApp } from '../testing/fake-services';
import { leakCheckedInject } from '../testing/leak-check';

const JSON_API = { 'content-type': 'application/vnd.api+json' };
const PASSWORD = 'correct horse battery';
const loginBody = (login: unknown, password: unknown = PASSWORD) => ({
  data: { type: 'sessions', attributes: { login, password } },
});

describe('sessions: login, logout, list, end', () => {
  let fx: FakeServicesApp;
  let call: ReturnType<typeof leakCheckedInject>;

  beforeAll(async () => {
    fx = await createGatewayAppWithFakeServices();
    call = leakCheckedInject(fx.app, fx.state);
    fx.state.addAccount({ username: 'ada', email: 'ada@example.com', password: PASSWORD });
  });
  afterAll(() => fx.close());

  /** Logs in over HTTP; the one response allowed to carry the new token. */
  const login = async (loginName = 'ada', headers: Record<string, string> = {}) => {
    const before = new Set(fx.state.secrets);
    const res = await call(
      {
        method: 'POST',
        url: '/api/v2/session',
        headers: { ...JSON_API, ...headers },
        payload: loginBody(loginName),
      },
      { issuedByThisCall: true },
    );
    const token = [...fx.state.secrets].find((s) => !before.has(s));
    return { res, token: token! };
  };

  describe('POST /api/v2/session', () => {
    it('201 sessions document: token, expires-at, two-factor-required; and the session cookie', async () => {
      const { res, token } = await login('ada', { 'user-agent': 'go-tfe' });
      expect(res.statusCode).toBe(201);
      expect(res.headers['content-type']).toBe('application/vnd.api+json');
      expect(res.headers['cache-control']).toBe('no-store');
      const { data } = res.json();
      expect(data.type).toBe('sessions');
      expect(typeof data.id).toBe('string');
      expect(Object.keys(data.attributes).sort()).toEqual([
        'created-at',
        'expires-at',
        'token',
        'two-factor-required',
      ]);
      expect(data.attributes.token).toBe(token);
      expect(data.attributes['two-factor-required']).toBe(false);
      expect(data.attributes['expires-at']).toMatch(TIMESTAMP_PATTERN);
      expect(data.attributes['created-at']).toMatch(TIMESTAMP_PATTERN);
      expect(res.headers['set-cookie']).toBe(`idp_session=${token}; Path=/; HttpOnly; SameSite=Lax`);

      const [auth] = fx.state.callsOf(IDENTITY.authenticate).slice(-1);
      expect(auth.payload).toMatchObject({ login: 'ada', password: PASSWORD });
      const [start] = fx.state.callsOf(TOKEN.startSession).slice(-1);
      expect(start.payload).toEqual({
        userId: expect.stringMatching(/^user-/),
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        userAgent: 'go-tfe',
        meta: { correlationId: expect.any(String), ip: '127.0.0.1' },
      });
    });

    it('the cookie is Secure with COOKIE_SECURE (over https too: see session-cookie.unit.spec)', async () => {
      const secureApp = await createGatewayAppWithFakeServices({ config: { cookieSecure: true } });
      try {
        secureApp.state.addAccount({ username: 'ada', email: 'ada@example.com', password: PASSWORD });
        const res = await secureApp.app.inject({
          method: 'POST',
          url: '/api/v2/session',
          headers: JSON_API,
          payload: loginBody('ada@example.com'),
        });
        expect(res.statusCode).toBe(201);
        expect(res.headers['set-cookie']).toMatch(
          /^idp_session=[\w-]+; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
        );
      } finally {
        await secureApp.close();
      }
    });

    it('the same 401 for an unknown login and a wrong password', async () => {
      const unknown = await call({
        method: 'POST',
        url: '/api/v2/session',
        headers: JSON_API,
        payload: loginBody('nobody'),
      });
      const wrong = await call({
        method: 'POST',
        url: '/api/v2/session',
        headers: JSON_API,
        payload: loginBody('ada', 'not the password'),
      });
      for (const res of [unknown, wrong]) {
        expect(res.statusCode).toBe(401);
        expect(res.json()).toEqual({ errors: [{ status: '401', title: 'unauthorized' }] });
        expect(res.headers['set-cookie']).toBeUndefined();
      }
      expect(unknown.body).toBe(wrong.body);
    });

    it('a locked login is 429 with X-RateLimit-Reset', async () => {
      const res = await call({
        method: 'POST',
        url: '/api/v2/session',
        headers: JSON_API,
        payload: loginBody('locked'),
      });
      expect(res.statusCode).toBe(429);
      expect(res.headers['x-ratelimit-reset']).toBe('7');
      expect(res.json().errors[0]).toMatchObject({
        status: '429',
        title: 'Too many requests',
        detail: "You have exceeded the API's rate limit.",
      });
    });

    it('a login that owes a second factor gets a restricted session (two-factor.e2e.spec.ts has the rest)', async () => {
      fx.state.addAccount({ username: 'needs-2fa', email: 'twofa@example.com', password: PASSWORD });
      const { res, token } = await login('needs-2fa');
      expect(res.statusCode).toBe(201);
      expect(res.json().data.attributes).toMatchObject({ token, 'two-factor-required': true });
      expect(fx.state.callsOf(TOKEN.startSession).slice(-1)[0]!.payload).toMatchObject({
        twoFactorPending: true,
      });
      const details = await call({
        method: 'GET',
        url: '/api/v2/account/details',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(details.statusCode).toBe(403);
    });

    it.each([
      ['no body', 400, undefined],
      ['malformed JSON', 400, '{"data":{'],
      ['wrong type', 409, { data: { type: 'users', attributes: { login: 'ada', password: PASSWORD } } }],
      ['missing attributes', 422, { data: { type: 'sessions' } }],
      ['login not a string', 422, loginBody(['ada'])],
      ['password a number', 422, loginBody('ada', 1234567890)],
      ['overlong login', 422, loginBody('a'.repeat(255))],
      ['overlong password', 422, loginBody('ada', 'p'.repeat(1025))],
    ])('%s → %i, nothing sent to the services', async (_, status, payload) => {
      const before = fx.state.callsOf(IDENTITY.authenticate).length;
      const res = await call({
        method: 'POST',
        url: '/api/v2/session',
        headers: JSON_API,
        ...(payload === undefined ? {} : { payload: payload as string | object }),
      });
      expect(res.statusCode).toBe(status);
      expect(fx.state.callsOf(IDENTITY.authenticate).length).toBe(before);
    });
  });

  describe('the session authenticates', () => {
    it('as a bearer token and as the cookie', async () => {
      const { token } = await login();
      const bearer = await call({
        url: '/api/v2/account/details',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(bearer.statusCode).toBe(200);
      const cookie = await call({
        url: '/api/v2/account/details',
        headers: { cookie: `theme=dark; idp_session=${token}` },
      });
      expect(cookie.statusCode).toBe(200);
      expect(cookie.json().data.attributes.username).toBe('ada');
    });
  });

  describe('GET /api/v2/account/sessions', () => {
    it('lists my live sessions with the current one flagged, never a token', async () => {
      const first = await login('ada', { 'user-agent': 'browser A' });
      const second = await login('ada', { 'user-agent': 'browser B' });
      const res = await call({
        url: '/api/v2/account/sessions',
        headers: { cookie: `idp_session=${second.token}` },
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/vnd.api+json');
      const { data } = res.json();
      expect(Array.isArray(data)).toBe(true);
      const firstId = first.res.json().data.id;
      const secondId = second.res.json().data.id;
      const byId = Object.fromEntries(data.map((s: { id: string }) => [s.id, s]));
      expect(byId[secondId].attributes).toEqual({
        'created-at': expect.stringMatching(TIMESTAMP_PATTERN),
        'last-seen-at': expect.stringMatching(TIMESTAMP_PATTERN),
        'expires-at': expect.stringMatching(TIMESTAMP_PATTERN),
        ip: '127.0.0.1',
        'user-agent': 'browser B',
        current: true,
        'impersonator-id': null,
        'impersonation-reason': null,
      });
      expect(byId[firstId].attributes.current).toBe(false);
      for (const s of data) {
        expect(s.type).toBe('sessions');
        expect(s.attributes).not.toHaveProperty('token');
      }
    });

    it('401 without a credential', async () => {
      expect((await call({ url: '/api/v2/account/sessions' })).statusCode).toBe(401);
    });
  });

  describe('DELETE /api/v2/account/sessions/:id', () => {
    it('ends another of my sessions: that one stops at once on this gateway; mine keeps working', async () => {
      const mine = await login();
      const other = await login();
      const otherAuth = { authorization: `Bearer ${other.token}` };
      expect((await call({ url: '/api/v2/account/details', headers: otherAuth })).statusCode).toBe(200); // cached
      const res = await call({
        method: 'DELETE',
        url: `/api/v2/account/sessions/${other.res.json().data.id}`,
        headers: { authorization: `Bearer ${mine.token}`, ...JSON_API },
      });
      expect(res.statusCode).toBe(204);
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(fx.state.callsOf(TOKEN.endSession).slice(-1)[0].payload).toMatchObject({
        sessionId: other.res.json().data.id,
        reason: 'revoked',
      });
      expect((await call({ url: '/api/v2/account/details', headers: otherAuth })).statusCode).toBe(401);
      expect(
        (await call({ url: '/api/v2/account/details', headers: { authorization: `Bearer ${mine.token}` } }))
          .statusCode,
      ).toBe(200);
    });

    it("someone else's session, or no such session: 404", async () => {
      fx.state.addAccount({ username: 'eve', email: 'eve@example.com', password: PASSWORD });
      const eve = await login('eve');
      const ada = await login('ada');
      const res = await call({
        method: 'DELETE',
        url: `/api/v2/account/sessions/${ada.res.json().data.id}`,
        headers: { authorization: `Bearer ${eve.token}` },
      });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ errors: [{ status: '404', title: 'not found' }] });
      const junk = await call({
        method: 'DELETE',
        url: `/api/v2/account/sessions/${'x'.repeat(65)}`,
        headers: { authorization: `Bearer ${eve.token}` },
      });
      expect(junk.statusCode).toBe(404);
    });

    it('ending the current one clears the cookie', async () => {
      const me = await login();
      const res = await call({
        method: 'DELETE',
        url: `/api/v2/account/sessions/${me.res.json().data.id}`,
        headers: { cookie: `idp_session=${me.token}` },
      });
      expect(res.statusCode).toBe(204);
      expect(res.headers['set-cookie']).toMatch(/^idp_session=; Path=\/; HttpOnly; SameSite=Lax; Max-Age=0;/);
    });
  });

  describe('DELETE /api/v2/session', () => {
    it('ends the current session, clears the cookie, and the credential stops working at once', async () => {
      const me = await login();
      const headers = { cookie: `idp_session=${me.token}`, ...JSON_API };
      expect((await call({ url: '/api/v2/account/details', headers })).statusCode).toBe(200);
      const res = await call({ method: 'DELETE', url: '/api/v2/session', headers });
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      expect(res.headers['set-cookie']).toBe(
        'idp_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT',
      );
      expect(fx.state.callsOf(TOKEN.endSession).slice(-1)[0].payload).toMatchObject({
        sessionId: me.res.json().data.id,
        reason: 'logout',
      });
      expect((await call({ url: '/api/v2/account/details', headers })).statusCode).toBe(401);
      expect((await call({ method: 'DELETE', url: '/api/v2/session', headers })).statusCode).toBe(401);
    });

    it('401 without a credential', async () => {
      expect((await call({ method: 'DELETE', url: '/api/v2/session' })).statusCode).toBe(401);
    });
  });
});
