import { IDENTITY, TOKEN } from '@idp/contracts';
import { createGatewayAppWithFakeServices, type FakeServicesApp } from '../testing/fake-services';
import { leakCheckedInject } from '../testing/leak-check';
import { isLoopback } from './iact.controller';

describe('IACT bootstrap (TFE: /admin/retrieve-iact, /admin/initial-admin-user)', () => {
  let fx: FakeServicesApp;
  let call: ReturnType<typeof leakCheckedInject>;
  let iact: string;

  beforeEach(async () => {
    fx = await createGatewayAppWithFakeServices();
    call = leakCheckedInject(fx.app, fx.state);
    iact = fx.state.iact!;
  });
  afterEach(() => fx.close());

  describe('GET /admin/retrieve-iact', () => {
    it.each(['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1'])(
      'answers %s with the plain token',
      async (remoteAddress) => {
        const res = await call({ url: '/admin/retrieve-iact', remoteAddress }, { secrets: [iact] });
        expect(res.statusCode).toBe(200);
        expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
        expect(res.headers['cache-control']).toBe('no-store');
        expect(res.body).toBe(iact);
      },
    );

    it.each(['203.0.113.7', '10.0.0.1', '::ffff:10.0.0.1', '2001:db8::1', '128.0.0.1'])(
      'is a 404 for %s, without asking the identity service',
      async (remoteAddress) => {
        const res = await call({ url: '/admin/retrieve-iact', remoteAddress });
        expect(res.statusCode).toBe(404);
        expect(res.json()).toEqual({ errors: [{ status: '404', title: 'not found' }] });
        expect(fx.state.callsOf(IDENTITY.retrieveIact)).toHaveLength(0);
      },
    );

    it.each([
      { 'x-forwarded-for': '127.0.0.1' },
      { forwarded: 'for=127.0.0.1' },
      { 'x-real-ip': '127.0.0.1' },
    ])('is a 404 for a request relayed by a proxy, even on this host (%j)', async (headers) => {
      const res = await call({ url: '/admin/retrieve-iact', remoteAddress: '127.0.0.1', headers });
      expect(res.statusCode).toBe(404);
    });

    it('is a 404 once the token is gone', async () => {
      fx.state.iact = null;
      expect((await call({ url: '/admin/retrieve-iact', remoteAddress: '127.0.0.1' })).statusCode).toBe(404);
    });

    it('needs no credential and ignores a bad one', async () => {
      const res = await call(
        {
          url: '/admin/retrieve-iact',
          remoteAddress: '127.0.0.1',
          headers: { authorization: 'Bearer junk' },
        },
        { secrets: [iact] },
      );
      expect(res.statusCode).toBe(200);
    });
  });

  describe('POST /admin/initial-admin-user', () => {
    const admin = { username: 'root', email: 'root@example.com', password: 'a long admin passphrase' };
    /** The response may carry the session token this call issues, and nothing else secret. */
    const post = (token: string | undefined, payload: unknown) =>
      call(
        {
          method: 'POST',
          url: `/admin/initial-admin-user${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`,
          headers: { 'content-type': 'application/json' },
          payload: payload as object,
        },
        { issuedByThisCall: true },
      );

    it('creates the admin and answers {"status":"created","token"} with a working session token', async () => {
      const before = new Set(fx.state.secrets);
      const res = await post(iact, admin);
      const issued = [...fx.state.secrets].filter((s) => !before.has(s));
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      const body = res.json();
      expect(Object.keys(body).sort()).toEqual(['status', 'token']);
      expect(body.status).toBe('created');
      expect(issued).toContain(body.token);
      expect(fx.state.callsOf(IDENTITY.createInitialAdmin)[0].payload).toMatchObject({
        ...admin,
        token: iact,
      });
      expect(fx.state.callsOf(TOKEN.startSession)).toHaveLength(1);

      const details = await fx.app.inject({
        url: '/api/v2/account/details',
        headers: { authorization: `Bearer ${body.token}` },
      });
      expect(details.statusCode).toBe(200);
      expect(details.json().data.attributes).toMatchObject({
        username: 'root',
        'is-admin': true,
        'is-site-admin': true,
      });
    });

    it('a wrong, used or missing token: 401 {"status":"error"}', async () => {
      for (const token of ['wrong', '', undefined]) {
        const res = await post(token, admin);
        expect(res.statusCode).toBe(401);
        expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
        expect(res.json()).toEqual({ status: 'error', error: expect.any(String) });
      }
      expect((await post(iact, admin)).statusCode).toBe(200);
      const again = await post(iact, { ...admin, username: 'root2' });
      expect(again.statusCode).toBe(401);
      expect(again.json()).toEqual({
        status: 'error',
        error: 'The initial admin creation token is invalid or has already been used',
      });
    });

    it.each([
      [{}, /can't be blank/],
      [
        { username: 'ro ot', email: 'root@example.com', password: 'a long admin passphrase' },
        /Username may only contain/,
      ],
      [{ username: 'root', email: 'root@example.com', password: 7 }, /Password must be a string/],
      [
        { username: 'root', email: 'e'.repeat(300), password: 'a long admin passphrase' },
        /Email is too long/,
      ],
    ])('bad input %j: 422 {"status":"error"}, nothing sent', async (payload, message) => {
      const res = await post(iact, payload);
      expect(res.statusCode).toBe(422);
      expect(res.json()).toEqual({ status: 'error', error: expect.stringMatching(message) });
      expect(fx.state.callsOf(IDENTITY.createInitialAdmin)).toHaveLength(0);
    });

    it('a body that is not an object: 422; malformed JSON: 400', async () => {
      expect((await post(iact, '[1]')).statusCode).toBe(422);
      expect((await post(iact, '{"username":')).statusCode).toBe(400);
    });

    it("the service's refusals keep their status and message: a weak password is 422", async () => {
      const res = await post(iact, { ...admin, password: 'short' });
      expect(res.statusCode).toBe(422);
      expect(res.json()).toEqual({
        status: 'error',
        error: 'Password is too short (minimum is 10 characters)',
      });
    });
  });
});

describe('isLoopback', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.255.255.254', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['::FFFF:127.0.0.1', true],
    ['0:0:0:0:0:0:0:1', true],
    ['128.0.0.1', false],
    ['127.0.0', false],
    ['::2', false],
    ['::ffff:192.168.0.1', false],
    ['localhost', false],
    ['', false],
    [undefined, false],
  ])('%s → %s', (address, expected) => {
    expect(isLoopback(address)).toBe(expected);
  });
});
