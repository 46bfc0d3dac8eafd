import { type RequestMeta, TEAM_TOKEN, USER_TOKEN, type UserTokenView } from '@idp/contracts';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { randomBytes } from 'node:crypto';
import { newPrefixedId } from '../jsonapi/ids';
import { TIMESTAMP_PATTERN } from '../jsonapi/timestamp';
import { createGatewayAppWithFakeServices, type FakeServicesApp, FAKE_STATE } from '../testing/fake-services';
import type { FakeServiceState } from '../testing/fake-services';
import { leakCheckedInject } from '../testing/leak-check';

/** A stand-in for the token service's user-token patterns (the real one is tested in libs/token). */
const tokens = new Map<string, UserTokenView & { secret: string; revoked: boolean }>();
const calls: Array<{ pattern: string; payload: Record<string, unknown> }> = [];
type P = Record<string, unknown> & { meta?: RequestMeta };
const notFound = (): never => {
  throw new RpcException({ code: 'TOKEN.NOT_FOUND', message: 'token not found' });
};
const view = ({ secret: _s, revoked: _r, ...v }: UserTokenView & { secret: string; revoked: boolean }) => v;

@Controller()
class FakeUserTokens {
  constructor(@Inject(FAKE_STATE) private readonly s: FakeServiceState) {}

  @MessagePattern(USER_TOKEN.createUserToken)
  create(@Payload() p: P) {
    calls.push({ pattern: USER_TOKEN.createUserToken, payload: p });
    if (typeof p.expiredAt === 'string' && Date.parse(p.expiredAt) <= Date.now())
      throw new RpcException({
        code: 'TOKEN.INVALID_EXPIRY',
        message: 'Expired at must be in the future',
        details: { attribute: 'expiredAt' },
      });
    const secret = `${randomBytes(7).toString('hex')}.atlasv1.${randomBytes(51).toString('base64url').slice(0, 67)}`;
    this.s.secrets.add(secret);
    const token = {
      id: newPrefixedId('at'),
      userId: String(p.userId),
      description: typeof p.description === 'string' ? p.description : null,
      createdAt: new Date().toISOString(),
      lastUsedAt: null,
      expiredAt: typeof p.expiredAt === 'string' ? new Date(p.expiredAt).toISOString() : null,
      createdBy: String(p.userId),
      secret,
      revoked: false,
    };
    tokens.set(token.id, token);
    return { token: view(token), secret };
  }

  @MessagePattern(USER_TOKEN.listUserTokens)
  list(@Payload() p: P) {
    calls.push({ pattern: USER_TOKEN.listUserTokens, payload: p });
    return { tokens: [...tokens.values()].filter((t) => t.userId === p.userId && !t.revoked).map(view) };
  }

  @MessagePattern(USER_TOKEN.getUserToken)
  get(@Payload() p: P) {
    const t = tokens.get(String(p.tokenId));
    if (!t || t.revoked || t.userId !== p.userId) return notFound();
    return view(t);
  }

  /** No team tokens here (they have their own suite): a token that is no user token of the caller is a 404. */
  @MessagePattern(TEAM_TOKEN.getTeamToken)
  getTeamToken(@Payload() p: P) {
    calls.push({ pattern: TEAM_TOKEN.getTeamToken, payload: p });
    return notFound();
  }

  @MessagePattern(USER_TOKEN.revokeUserToken)
  revoke(@Payload() p: P) {
    const t = tokens.get(String(p.tokenId));
    if (!t || t.revoked || t.userId !== p.userId) return notFound();
    t.revoked = true;
    return { revoked: true };
  }
}

const JSON_API = { 'content-type': 'application/vnd.api+json' };

describe('user tokens: /api/v2/users/:id/authentication-tokens, /api/v2/authentication-tokens/:id', () => {
  let fx: FakeServicesApp;
  let call: ReturnType<typeof leakCheckedInject>;
  let ada: { id: string; auth: Record<string, string> };
  let bob: { id: string; auth: Record<string, string> };

  beforeAll(async () => {
    fx = await createGatewayAppWithFakeServices({
      // The routes come with GatewayModule; the fake token service answers their patterns.
      controllers: [FakeUserTokens],
    });
    call = leakCheckedInject(fx.app, fx.state);
    const user = (name: string) => {
      const account = fx.state.addAccount({
        username: name,
        email: `${name}@example.com`,
        password: 'x'.repeat(12),
      });
      const session = fx.state.startSession(account.id);
      return { id: account.id, auth: { authorization: `Bearer ${session.token}` } };
    };
    ada = user('ada');
    bob = user('bob');
  });
  afterAll(() => fx?.close());

  const create = (as: typeof ada, userId: string, payload: unknown) =>
    call(
      {
        method: 'POST',
        url: `/api/v2/users/${userId}/authentication-tokens`,
        headers: { ...JSON_API, ...as.auth },
        payload: payload as Record<string, unknown>,
      },
      { issuedByThisCall: true },
    );

  it('POST 201: the go-tfe body ("type": ""), the secret in `token` once, TFC attribute names', async () => {
    const res = await create(ada, ada.id, {
      data: { type: '', attributes: { description: 'ci', 'expired-at': '2099-01-01T00:00:00Z' } },
    });
    expect(res.statusCode).toBe(201);
    expect(res.headers['content-type']).toBe('application/vnd.api+json');
    expect(res.headers['cache-control']).toBe('no-store');
    const { data } = res.json();
    expect(data.type).toBe('authentication-tokens');
    expect(data.id).toMatch(/^at-/);
    expect(Object.keys(data.attributes).sort()).toEqual([
      'created-at',
      'description',
      'expired-at',
      'last-used-at',
      'token',
    ]);
    expect(data.attributes).toMatchObject({
      description: 'ci',
      'expired-at': '2099-01-01T00:00:00.000Z',
      'last-used-at': null,
    });
    expect(data.attributes['created-at']).toMatch(TIMESTAMP_PATTERN);
    expect(data.attributes.token).toMatch(/^[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_-]{67}$/);
    expect(data.relationships['created-by']).toEqual({
      data: { type: 'users', id: ada.id },
      links: { related: `/api/v2/users/${ada.id}` },
    });
    const sent = calls.filter((c) => c.pattern === USER_TOKEN.createUserToken).at(-1)!.payload;
    expect(sent).toMatchObject({ userId: ada.id, description: 'ci', expiredAt: '2099-01-01T00:00:00Z' });
    expect(sent.requestId).toEqual(expect.any(String));
    expect(sent.meta).toMatchObject({ actor: { kind: 'user', id: ada.id } });

    // Every later read: the same object, token null (and the leak check proves the secret never reappears).
    const shown = await call({
      method: 'GET',
      url: `/api/v2/authentication-tokens/${data.id}`,
      headers: ada.auth,
    });
    expect(shown.statusCode).toBe(200);
    expect(shown.json().data).toEqual({ ...data, attributes: { ...data.attributes, token: null } });
  });

  it('POST accepts a body without attributes (go-tfe) and a null expired-at: never expires, no description', async () => {
    for (const payload of [
      { data: { type: '' } },
      { data: { type: 'authentication-tokens', attributes: { 'expired-at': null } } },
    ]) {
      const res = await create(ada, ada.id, payload);
      expect(res.statusCode).toBe(201);
      expect(res.json().data.attributes).toMatchObject({ description: null, 'expired-at': null });
    }
  });

  it('POST 422 for a malformed or past expired-at, with the attribute pointer; 409 for a wrong type', async () => {
    const bad = await create(ada, ada.id, { data: { type: '', attributes: { 'expired-at': 'tomorrow' } } });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().errors[0].source).toEqual({ pointer: '/data/attributes/expired-at' });
    const past = await create(ada, ada.id, {
      data: { type: '', attributes: { 'expired-at': '2001-01-01T00:00:00Z' } },
    });
    expect(past.statusCode).toBe(422);
    expect(past.json().errors[0].source).toEqual({ pointer: '/data/attributes/expired-at' });
    expect((await create(ada, ada.id, { data: { type: 'users', attributes: {} } })).statusCode).toBe(409);
  });

  it("POST 404 for someone else's user id (nothing sent to the service)", async () => {
    const before = calls.length;
    for (const userId of [bob.id, 'user-doesnotexist00', 'not%20an%20id']) {
      const res = await create(ada, userId, { data: { type: '' } });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ errors: [{ status: '404', title: 'not found' }] });
    }
    expect(calls.length).toBe(before);
  });

  it('GET list: unpaginated without page params, paginated with them; token always null; 404 for another user', async () => {
    const url = `/api/v2/users/${ada.id}/authentication-tokens`;
    const all = await call({ method: 'GET', url, headers: ada.auth });
    expect(all.statusCode).toBe(200);
    const body = all.json();
    expect(body.data.length).toBe(3);
    expect(body).not.toHaveProperty('meta');
    for (const t of body.data)
      expect(t).toMatchObject({ type: 'authentication-tokens', attributes: { token: null } });

    const paged = (await call({ method: 'GET', url: `${url}?page%5Bsize%5D=2`, headers: ada.auth })).json();
    expect(paged.data.length).toBe(2);
    expect(paged.meta.pagination).toMatchObject({ 'current-page': 1, 'total-count': 3, 'total-pages': 2 });

    const theirs = await call({
      method: 'GET',
      url: `/api/v2/users/${bob.id}/authentication-tokens`,
      headers: ada.auth,
    });
    expect(theirs.statusCode).toBe(404);
    expect(
      (
        await call({ method: 'GET', url: `/api/v2/users/${bob.id}/authentication-tokens`, headers: bob.auth })
      ).json(),
    ).toEqual({ data: [] });
  });

  it("GET/DELETE /authentication-tokens/:id: 404 for someone else's token, 204 then 404 for the owner", async () => {
    const { data } = (
      await create(ada, ada.id, { data: { type: '', attributes: { description: 'doomed' } } })
    ).json();
    const url = `/api/v2/authentication-tokens/${data.id}`;
    for (const method of ['GET', 'DELETE'] as const) {
      const res = await call({ method, url, headers: bob.auth });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ errors: [{ status: '404', title: 'not found' }] });
    }
    const deleted = await call({ method: 'DELETE', url, headers: { ...JSON_API, ...ada.auth } });
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe('');
    expect((await call({ method: 'DELETE', url, headers: ada.auth })).statusCode).toBe(404);
    expect((await call({ method: 'GET', url, headers: ada.auth })).statusCode).toBe(404);
    expect(
      (await call({ method: 'GET', url: '/api/v2/authentication-tokens/a%20b', headers: ada.auth }))
        .statusCode,
    ).toBe(404);
  });

  it('401 without a credential', async () => {
    for (const [method, url] of [
      ['GET', `/api/v2/users/${ada.id}/authentication-tokens`],
      ['POST', `/api/v2/users/${ada.id}/authentication-tokens`],
      ['GET', '/api/v2/authentication-tokens/at-x'],
      ['DELETE', '/api/v2/authentication-tokens/at-x'],
    ] as const)
      expect((await call({ method, url })).statusCode).toBe(401);
  });
});
