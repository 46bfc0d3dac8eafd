import { IDENTITY, TOKEN } from '@idp/contracts';
import type { LightMyRequestResponse } from 'fastify';
import { createGatewayAppWithFakeServices, type FakeServicesApp } from '../testing/fake-services';
import { leakCheckedInject } from '../testing/leak-check';

const JSON_API = { 'content-type': 'application/vnd.api+json' };
const PASSWORD = 'correct horse battery';

const PERMISSION_KEYS = [
  'can-change-email',
  'can-change-username',
  'can-create-organization',
  'can-create-organizations',
  'can-manage-hcp-account',
  'can-manage-user-tokens',
  'can-view2fa-settings',
];
const ACCOUNT_ATTRIBUTES = [
  'auth-method',
  'avatar-url',
  'email',
  'is-admin',
  'is-confirmed',
  'is-service-account',
  'is-site-admin',
  'is-sso-login',
  'permissions',
  'two-factor',
  'unconfirmed-email',
  'username',
  'v2-only',
];
const PUBLIC_ATTRIBUTES = [
  'auth-method',
  'avatar-url',
  'is-service-account',
  'permissions',
  'username',
  'v2-only',
];

/** The private `users` projection, attribute by attribute, with go-tfe's JSON types (TFC-API §3.2, §13.2). */
const expectAccountDocument = (res: LightMyRequestResponse, authenticated: boolean) => {
  expect(res.headers['content-type']).toBe('application/vnd.api+json');
  const { data } = res.json();
  expect(data.type).toBe('users');
  expect(typeof data.id).toBe('string');
  expect(Object.keys(data.attributes).sort()).toEqual(ACCOUNT_ATTRIBUTES);
  const a = data.attributes;
  expect(typeof a.username).toBe('string');
  expect(typeof a.email).toBe('string');
  expect(a['unconfirmed-email'] === null || typeof a['unconfirmed-email'] === 'string').toBe(true);
  expect(typeof a['avatar-url']).toBe('string');
  expect(a['is-service-account']).toBe(false);
  expect(a['auth-method']).toBe('tfc');
  expect(a['v2-only']).toBe(true);
  expect(typeof a['is-admin']).toBe('boolean');
  expect(a['is-site-admin']).toBe(a['is-admin']);
  expect(a['is-sso-login']).toBe(false);
  expect(typeof a['is-confirmed']).toBe('boolean');
  expect(a['two-factor']).toEqual({ enabled: false, verified: false });
  expect(Object.keys(a.permissions).sort()).toEqual(PERMISSION_KEYS);
  for (const v of Object.values(a.permissions)) expect(typeof v).toBe('boolean');
  expect(a.permissions['can-manage-hcp-account']).toBe(false);
  expect(data.links).toEqual({ self: `/api/v2/users/${data.id}` });
  const relationships = {
    'authentication-tokens': { links: { related: `/api/v2/users/${data.id}/authentication-tokens` } },
    ...(authenticated
      ? {
          'authenticated-resource': {
            data: { type: 'users', id: data.id },
            links: { related: `/api/v2/users/${data.id}` },
          },
        }
      : {}),
  };
  expect(data.relationships).toEqual(relationships);
  return data;
};

describe('account and users routes', () => {
  let fx: FakeServicesApp;
  let call: ReturnType<typeof leakCheckedInject>;

  beforeAll(async () => {
    fx = await createGatewayAppWithFakeServices();
    call = leakCheckedInject(fx.app, fx.state);
  });
  afterAll(() => fx.close());

  /** A confirmed account with a live session; returns its id and bearer header. */
  const signedIn = (username: string) => {
    const account = fx.state.addAccount({ username, email: `${username}@example.com`, password: PASSWORD });
    const session = fx.state.startSession(account.id);
    return { account, session, auth: { authorization: `Bearer ${session.token}` } };
  };

  describe('POST /api/v2/account/create', () => {
    const body = (attributes: Record<string, unknown>) => ({ data: { type: 'users', attributes } });

    it('201 with the private projection, no password, no authenticated-resource', async () => {
      const res = await call({
        method: 'POST',
        url: '/api/v2/account/create',
        headers: JSON_API,
        payload: body({ username: 'ada', email: 'ada@example.com', password: PASSWORD }),
      });
      expect(res.statusCode).toBe(201);
      const data = expectAccountDocument(res, false);
      expect(data.attributes).toMatchObject({
        username: 'ada',
        email: 'ada@example.com',
        'is-confirmed': false,
        'is-admin': false,
      });
      const [sent] = fx.state.callsOf(IDENTITY.registerAccount).slice(-1);
      expect(sent.payload).toMatchObject({ username: 'ada', email: 'ada@example.com', password: PASSWORD });
      expect(sent.payload).not.toHaveProperty('invitationToken');
      expect(sent.payload.meta).toEqual({ correlationId: expect.any(String), ip: '127.0.0.1' });
    });

    it('passes invitation-token on; accepts application/json', async () => {
      const res = await call({
        method: 'POST',
        url: '/api/v2/account/create',
        headers: { 'content-type': 'application/json' },
        payload: body({
          username: 'grace',
          email: 'grace@example.com',
          password: PASSWORD,
          'invitation-token': 'inv-123',
        }),
      });
      expect(res.statusCode).toBe(201);
      expect(fx.state.callsOf(IDENTITY.registerAccount).slice(-1)[0].payload.invitationToken).toBe('inv-123');
    });

    it('a taken username is the service 422 with the pointer', async () => {
      const res = await call({
        method: 'POST',
        url: '/api/v2/account/create',
        headers: JSON_API,
        payload: body({ username: 'ADA', email: 'other@example.com', password: PASSWORD }),
      });
      expect(res.statusCode).toBe(422);
      expect(res.json().errors).toEqual([
        expect.objectContaining({
          status: '422',
          title: 'invalid attribute',
          detail: 'Username has already been taken',
          source: { pointer: '/data/attributes/username' },
        }),
      ]);
    });

    it('a short password is refused by the service with a pointer (policy lives there)', async () => {
      const res = await call({
        method: 'POST',
        url: '/api/v2/account/create',
        headers: JSON_API,
        payload: body({ username: 'shorty', email: 'shorty@example.com', password: 'short' }),
      });
      expect(res.statusCode).toBe(422);
      expect(res.json().errors[0].source).toEqual({ pointer: '/data/attributes/password' });
    });

    describe('bad input never reaches the service and is never a 500', () => {
      const sends = () => fx.state.callsOf(IDENTITY.registerAccount).length;

      it.each([
        ['malformed JSON', '{"data":', 400],
        ['not a document', '[]', 400],
        ['data not an object', '{"data":"users"}', 400],
        ['attributes not an object', '{"data":{"type":"users","attributes":[]}}', 400],
        ['wrong type', '{"data":{"type":"sessions","attributes":{}}}', 409],
      ])('%s → %i', async (_, payload, status) => {
        const before = sends();
        const res = await call({ method: 'POST', url: '/api/v2/account/create', headers: JSON_API, payload });
        expect(res.statusCode).toBe(status);
        expect(res.headers['content-type']).toBe('application/vnd.api+json');
        expect(res.json().errors[0].status).toBe(String(status));
        expect(sends()).toBe(before);
      });

      it('missing attributes: one 422 per attribute', async () => {
        const res = await call({
          method: 'POST',
          url: '/api/v2/account/create',
          headers: JSON_API,
          payload: body({}),
        });
        expect(res.statusCode).toBe(422);
        expect(
          res
            .json()
            .errors.map((e: { source: { pointer: string } }) => e.source.pointer)
            .sort(),
        ).toEqual(['/data/attributes/email', '/data/attributes/password', '/data/attributes/username']);
      });

      it('wrong types', async () => {
        const res = await call({
          method: 'POST',
          url: '/api/v2/account/create',
          headers: JSON_API,
          payload: body({ username: 42, email: true, password: { x: 1 }, 'invitation-token': [] }),
        });
        expect(res.statusCode).toBe(422);
        expect(res.json().errors).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ detail: 'Username must be a string' }),
            expect.objectContaining({ detail: 'Email must be a string' }),
            expect.objectContaining({ detail: 'Password must be a string' }),
            expect.objectContaining({ source: { pointer: '/data/attributes/invitation-token' } }),
          ]),
        );
      });

      it('overlong strings name the maximum', async () => {
        const res = await call({
          method: 'POST',
          url: '/api/v2/account/create',
          headers: JSON_API,
          payload: body({
            username: 'a'.repeat(51),
            email: `${'e'.repeat(250)}@x.io`,
            password: 'p'.repeat(1025),
            'invitation-token': 't'.repeat(513),
          }),
        });
        expect(res.statusCode).toBe(422);
        expect(
          res
            .json()
            .errors.map((e: { detail: string }) => e.detail)
            .sort(),
        ).toEqual([
          'Email is too long (maximum is 254 characters)',
          'Invitation token is too long (maximum is 512 characters)',
          'Password is too long (maximum is 1024 characters)',
          'Username is too long (maximum is 50 characters)',
        ]);
      });

      it.each([
        ['Cyrillic look-alike', 'аda'],
        ['accented letter', 'adé'],
        ['emoji', 'ada😀'],
        ['zero-width joiner', 'a\u200dda'],
        ['right-to-left override', 'ada\u202e'],
        ['full-width letters', 'ａｄａ'],
        ['space', 'ada lovelace'],
        ['dot', 'ada.lovelace'],
        ['empty', ''],
      ])('username with %s → 422 on username', async (_, username) => {
        const before = sends();
        const res = await call({
          method: 'POST',
          url: '/api/v2/account/create',
          headers: JSON_API,
          payload: body({ username, email: 'u@example.com', password: PASSWORD }),
        });
        expect(res.statusCode).toBe(422);
        expect(res.json().errors).toEqual([
          expect.objectContaining({ status: '422', source: { pointer: '/data/attributes/username' } }),
        ]);
        expect(sends()).toBe(before);
      });

      it('NUL and unpaired surrogates are 400 with a pointer', async () => {
        for (const payload of [
          '{"data":{"type":"users","attributes":{"username":"a\\u0000b"}}}',
          '{"data":{"type":"users","attributes":{"username":"a\\ud800"}}}',
        ]) {
          const res = await call({
            method: 'POST',
            url: '/api/v2/account/create',
            headers: JSON_API,
            payload,
          });
          expect(res.statusCode).toBe(400);
          expect(res.json().errors[0].source).toEqual({ pointer: '/data/attributes/username' });
        }
      });

      it('50 emoji are 50 characters: the length rule counts code points (then the alphabet refuses them)', async () => {
        const res = await call({
          method: 'POST',
          url: '/api/v2/account/create',
          headers: JSON_API,
          payload: body({ username: '😀'.repeat(50), email: 'u@example.com', password: PASSWORD }),
        });
        expect(res.statusCode).toBe(422);
        expect(res.json().errors).toEqual([
          expect.objectContaining({
            detail: 'Username may only contain letters, numbers, dashes and underscores',
          }),
        ]);
      });
    });
  });

  describe('POST /api/v2/account/confirm', () => {
    it('200 with the confirmed account', async () => {
      const account = fx.state.addAccount({
        username: 'conf',
        email: 'conf@example.com',
        password: PASSWORD,
      });
      const token = [...fx.state.confirmTokens].find(([, id]) => id === account.id)![0];
      const res = await call({
        method: 'POST',
        url: '/api/v2/account/confirm',
        headers: JSON_API,
        payload: { data: { type: 'users', attributes: { token } } },
      });
      expect(res.statusCode).toBe(200);
      expect(expectAccountDocument(res, false).attributes['is-confirmed']).toBe(true);
    });

    it('an unknown token is 422 on token; a missing one never reaches the service', async () => {
      const bad = await call({
        method: 'POST',
        url: '/api/v2/account/confirm',
        headers: JSON_API,
        payload: { data: { type: '', attributes: { token: 'nope' } } },
      });
      expect(bad.statusCode).toBe(422);
      expect(bad.json().errors[0].source).toEqual({ pointer: '/data/attributes/token' });
      const missing = await call({
        method: 'POST',
        url: '/api/v2/account/confirm',
        headers: JSON_API,
        payload: { data: { type: 'users' } },
      });
      expect(missing.statusCode).toBe(422);
      expect(missing.json().errors[0].detail).toBe("Token can't be blank");
    });
  });

  describe('GET /api/v2/account/details', () => {
    it('the caller, private projection, with authenticated-resource', async () => {
      const { account, auth } = signedIn('details');
      const res = await call({ url: '/api/v2/account/details', headers: auth });
      expect(res.statusCode).toBe(200);
      const data = expectAccountDocument(res, true);
      expect(data.id).toBe(account.id);
      expect(data.attributes.email).toBe('details@example.com');
      const [sent] = fx.state.callsOf(IDENTITY.getAccount).slice(-1);
      expect(sent.payload).toEqual({
        userId: account.id,
        meta: { actor: { kind: 'user', id: account.id }, correlationId: expect.any(String), ip: '127.0.0.1' },
      });
    });

    it('concurrent requests: each message carries its own request id and actor, however they interleave', async () => {
      // The request context is handed down to every bus message, never looked up ambiently. Request A is held in its
      // credential check while request B (its credential already verified and cached) runs from start to finish;
      // A's `get-account` then goes out after B's and must still carry A's correlation id and actor.
      const a = signedIn('interleave-a');
      const b = signedIn('interleave-b');
      expect((await call({ url: '/api/v2/account/details', headers: b.auth })).statusCode).toBe(200);
      let releaseA!: () => void;
      const aHeld = new Promise<void>((resolve) => (releaseA = resolve));
      let aVerifying!: () => void;
      const aVerifyReceived = new Promise<void>((resolve) => (aVerifying = resolve));
      fx.state.holdVerify = (token) => {
        if (token !== a.session.token) return undefined;
        aVerifying();
        return aHeld;
      };
      const before = fx.state.calls.length;
      try {
        const first = call({
          url: '/api/v2/account/details',
          headers: { ...a.auth, 'x-request-id': 'req-a' },
        });
        await aVerifyReceived;
        const second = await call({
          url: '/api/v2/account/details',
          headers: { ...b.auth, 'x-request-id': 'req-b' },
        });
        releaseA();
        const firstRes = await first;
        expect([firstRes.statusCode, second.statusCode]).toEqual([200, 200]);
        expect([firstRes.json().data.id, second.json().data.id]).toEqual([a.account.id, b.account.id]);
        expect([firstRes.headers['x-request-id'], second.headers['x-request-id']]).toEqual([
          'req-a',
          'req-b',
        ]);
      } finally {
        fx.state.holdVerify = undefined;
        releaseA();
      }
      const sent = fx.state.calls.slice(before).map(({ pattern, payload }) => ({
        pattern,
        user: payload.userId ?? payload.token,
        meta: payload.meta,
      }));
      const as = (id: string) => ({ kind: 'user', id });
      expect(sent).toEqual([
        {
          pattern: TOKEN.verifyCredential,
          user: a.session.token,
          meta: { correlationId: 'req-a', ip: '127.0.0.1' },
        },
        {
          pattern: IDENTITY.getAccount,
          user: b.account.id,
          meta: { actor: as(b.account.id), correlationId: 'req-b', ip: '127.0.0.1' },
        },
        {
          pattern: IDENTITY.getAccount,
          user: a.account.id,
          meta: { actor: as(a.account.id), correlationId: 'req-a', ip: '127.0.0.1' },
        },
      ]);
    });

    it('401 without a credential, before any service is asked', async () => {
      const before = fx.state.calls.length;
      const res = await call({ url: '/api/v2/account/details' });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ errors: [{ status: '401', title: 'unauthorized' }] });
      expect(fx.state.calls.length).toBe(before);
    });
  });

  describe('PATCH /api/v2/account/update', () => {
    it('go-tfe body: username and email; the e-mail change is pending', async () => {
      const { account, auth } = signedIn('upd');
      const res = await call({
        method: 'PATCH',
        url: '/api/v2/account/update',
        headers: { ...auth, ...JSON_API },
        payload: { data: { type: 'users', attributes: { username: 'upd2', email: 'new@example.com' } } },
      });
      expect(res.statusCode).toBe(200);
      const data = expectAccountDocument(res, true);
      expect(data.attributes).toMatchObject({
        username: 'upd2',
        email: 'upd@example.com',
        'unconfirmed-email': 'new@example.com',
      });
      expect(fx.state.callsOf(IDENTITY.updateAccount).slice(-1)[0].payload).toMatchObject({
        userId: account.id,
        username: 'upd2',
        email: 'new@example.com',
      });
    });

    it('only the attributes sent are passed on; none sent reads the account', async () => {
      const { auth } = signedIn('upd3');
      const updates = fx.state.callsOf(IDENTITY.updateAccount).length;
      const res = await call({
        method: 'PATCH',
        url: '/api/v2/account/update',
        headers: { ...auth, ...JSON_API },
        payload: { data: { type: 'users', attributes: { 'is-admin': true } } },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().data.attributes['is-admin']).toBe(false);
      expect(fx.state.callsOf(IDENTITY.updateAccount).length).toBe(updates);

      await call({
        method: 'PATCH',
        url: '/api/v2/account/update',
        headers: { ...auth, ...JSON_API },
        payload: { data: { type: 'users', attributes: { username: 'upd4' } } },
      });
      expect(fx.state.callsOf(IDENTITY.updateAccount).slice(-1)[0].payload).not.toHaveProperty('email');
    });

    it('bad values: 422 with pointers; 401 without a credential', async () => {
      const { auth } = signedIn('upd5');
      const res = await call({
        method: 'PATCH',
        url: '/api/v2/account/update',
        headers: { ...auth, ...JSON_API },
        payload: { data: { type: 'users', attributes: { username: 'bad name', email: 7 } } },
      });
      expect(res.statusCode).toBe(422);
      expect(
        res
          .json()
          .errors.map((e: { source: { pointer: string } }) => e.source.pointer)
          .sort(),
      ).toEqual(['/data/attributes/email', '/data/attributes/username']);
      const anonymous = await call({
        method: 'PATCH',
        url: '/api/v2/account/update',
        headers: JSON_API,
        payload: { data: { type: 'users', attributes: { username: 'x' } } },
      });
      expect(anonymous.statusCode).toBe(401);
    });
  });

  describe('PATCH /api/v2/account/password', () => {
    it('snake_case attributes; 200 users document without any password', async () => {
      const { account, auth } = signedIn('pw');
      const res = await call({
        method: 'PATCH',
        url: '/api/v2/account/password',
        headers: { ...auth, ...JSON_API },
        payload: {
          data: {
            type: 'users',
            attributes: {
              current_password: PASSWORD,
              password: 'a much better passphrase',
              password_confirmation: 'a much better passphrase',
            },
          },
        },
      });
      expect(res.statusCode).toBe(200);
      expectAccountDocument(res, true);
      expect(fx.state.accounts.get(account.id)!.password).toBe('a much better passphrase');
    });

    it('wrong current password: 422 pointing at current_password; missing ones in snake_case', async () => {
      const { auth } = signedIn('pw2');
      const wrong = await call({
        method: 'PATCH',
        url: '/api/v2/account/password',
        headers: { ...auth, ...JSON_API },
        payload: {
          data: {
            type: 'users',
            attributes: {
              current_password: 'nope',
              password: 'x'.repeat(12),
              password_confirmation: 'x'.repeat(12),
            },
          },
        },
      });
      expect(wrong.statusCode).toBe(422);
      expect(wrong.json().errors[0]).toMatchObject({
        detail: 'Current password is incorrect',
        source: { pointer: '/data/attributes/current_password' },
      });
      const missing = await call({
        method: 'PATCH',
        url: '/api/v2/account/password',
        headers: { ...auth, ...JSON_API },
        payload: { data: { type: 'users', attributes: { password: 'x' } } },
      });
      expect(missing.statusCode).toBe(422);
      expect(
        missing
          .json()
          .errors.map((e: { detail: string }) => e.detail)
          .sort(),
      ).toEqual(["Current password can't be blank", "Password confirmation can't be blank"]);
    });
  });

  describe('password reset', () => {
    it('POST /account/password-reset is 202 for a known, an unknown and a "leaky" address alike', async () => {
      fx.state.addAccount({ username: 'reset', email: 'reset@example.com', password: PASSWORD });
      const answers = [];
      for (const email of ['reset@example.com', 'nobody@example.com', 'leaky@example.com']) {
        const res = await call({
          method: 'POST',
          url: '/api/v2/account/password-reset',
          headers: JSON_API,
          payload: { data: { type: 'password-resets', attributes: { email } } },
        });
        answers.push([res.statusCode, res.body]);
      }
      expect(answers).toEqual([
        [202, ''],
        [202, ''],
        [202, ''],
      ]);
    });

    it('a bad body is still a 4xx (no e-mail → 422)', async () => {
      const res = await call({
        method: 'POST',
        url: '/api/v2/account/password-reset',
        headers: JSON_API,
        payload: { data: { type: 'users', attributes: {} } },
      });
      expect(res.statusCode).toBe(422);
    });

    it('POST /account/password-reset/complete: 204 with a valid token; 422 with a used one', async () => {
      const account = fx.state.addAccount({
        username: 'reset2',
        email: 'reset2@example.com',
        password: PASSWORD,
      });
      await call({
        method: 'POST',
        url: '/api/v2/account/password-reset',
        headers: JSON_API,
        payload: { data: { type: 'users', attributes: { email: 'reset2@example.com' } } },
      });
      const token = [...fx.state.resetTokens].find(([, id]) => id === account.id)![0];
      const payload = {
        data: {
          type: 'password-resets',
          attributes: {
            token,
            password: 'brand new passphrase',
            password_confirmation: 'brand new passphrase',
          },
        },
      };
      const ok = await call({
        method: 'POST',
        url: '/api/v2/account/password-reset/complete',
        headers: JSON_API,
        payload,
      });
      expect(ok.statusCode).toBe(204);
      expect(ok.body).toBe('');
      const again = await call({
        method: 'POST',
        url: '/api/v2/account/password-reset/complete',
        headers: JSON_API,
        payload,
      });
      expect(again.statusCode).toBe(422);
      expect(again.json().errors[0].source).toEqual({ pointer: '/data/attributes/token' });
    });
  });

  describe('GET /api/v2/users/:id', () => {
    it('the public projection: no e-mail, no admin flags, no permissions on others', async () => {
      const { auth } = signedIn('viewer');
      const other = fx.state.addAccount({
        username: 'other',
        email: 'other@example.com',
        password: PASSWORD,
      });
      const res = await call({ url: `/api/v2/users/${other.id}`, headers: auth });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/vnd.api+json');
      const { data } = res.json();
      expect(data).toMatchObject({
        type: 'users',
        id: other.id,
        links: { self: `/api/v2/users/${other.id}` },
      });
      expect(Object.keys(data.attributes).sort()).toEqual(PUBLIC_ATTRIBUTES);
      expect(data.attributes).toMatchObject({
        username: 'other',
        'is-service-account': false,
        'auth-method': 'tfc',
        'v2-only': true,
      });
      expect(Object.values(data.attributes.permissions).every((v) => v === false)).toBe(true);
      expect(res.body).not.toContain('other@example.com');
      expect(data.relationships).toEqual({
        'authentication-tokens': { links: { related: `/api/v2/users/${other.id}/authentication-tokens` } },
      });
    });

    it('oneself: own permissions', async () => {
      const { account, auth } = signedIn('self');
      const res = await call({ url: `/api/v2/users/${account.id}`, headers: auth });
      expect(res.json().data.attributes.permissions['can-change-username']).toBe(true);
    });

    it('404 for an unknown id, and for ids that cannot be ids (without asking)', async () => {
      const { auth } = signedIn('looker');
      expect((await call({ url: '/api/v2/users/user-unknown', headers: auth })).json()).toEqual({
        errors: [{ status: '404', title: 'not found' }],
      });
      const before = fx.state.callsOf(IDENTITY.getUser).length;
      for (const id of ['a'.repeat(65), 'user%20x', 'us%C3%A9r'])
        expect((await call({ url: `/api/v2/users/${id}`, headers: auth })).statusCode).toBe(404);
      expect(fx.state.callsOf(IDENTITY.getUser).length).toBe(before);
    });

    it('401 without a credential', async () => {
      expect((await call({ url: '/api/v2/users/user-x' })).statusCode).toBe(401);
    });
  });
});
