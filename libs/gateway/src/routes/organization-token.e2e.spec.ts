import { IDENTITY, MEMBERSHIP, ORG_TOKEN, TEAM_TOKEN, TOKEN } from '@idp/contracts';
import type { InjectOptions } from 'fastify';
import { AUTH_CLOCK } from '../auth/auth.tokens';
import { TIMESTAMP_PATTERN } from '../jsonapi/timestamp';
import { createGatewayAppWithFakeOrgTokens, type FakeOrgTokensApp } from '../testing/fake-org-tokens';
import type { FakeServiceState } from '../testing/fake-services';
import { leakCheckedInject } from '../testing/leak-check';
import { WhoAmIController } from '../testing/probe-controllers';

const JSON_API = { 'content-type': 'application/vnd.api+json' };
const SECRET_SHAPE = /^[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_-]{67}$/;
const NOT_FOUND = { errors: [{ status: '404', title: 'not found' }] };
const UNAUTHORIZED = { errors: [{ status: '401', title: 'unauthorized' }] };

describe('organization tokens: /api/v2/organizations/:name/authentication-token', () => {
  let fx: FakeOrgTokensApp;
  let call: ReturnType<typeof leakCheckedInject>;
  let now = Date.now();
  let ada: { id: string; token: string }; // owner of acme
  let bob: { id: string; token: string }; // member of acme, not an owner
  let carol: { id: string; token: string }; // owner of globex only
  let acme: { id: string; name: string };

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const path = (org: string, query = '') => `/api/v2/organizations/${org}/authentication-token${query}`;
  const send = (
    method: 'POST' | 'GET' | 'DELETE',
    token: string,
    org = 'acme',
    query = '',
    payload?: unknown,
  ) =>
    call(
      {
        method,
        url: path(org, query),
        headers: { ...JSON_API, ...bearer(token) },
        ...(payload !== undefined ? { payload: payload as InjectOptions['payload'] } : {}),
      },
      { issuedByThisCall: method === 'POST' },
    );
  const regenerate = (token: string, org = 'acme', query = '', payload: unknown = { data: { type: '' } }) =>
    send('POST', token, org, query, payload);
  const callsOf = (pattern: string) => fx.state.callsOf(pattern);
  const lastCall = (pattern: string) => callsOf(pattern).at(-1)!.payload;

  beforeAll(async () => {
    fx = await createGatewayAppWithFakeOrgTokens({
      controllers: [WhoAmIController],
      config: { authCacheTtlMs: 5_000 },
      overrides: [{ provide: AUTH_CLOCK, useValue: () => now }],
    });
    fx.state.now = () => now;
    call = leakCheckedInject(fx.app, fx.state as unknown as FakeServiceState);
    ada = fx.state.addUser('ada');
    bob = fx.state.addUser('bob');
    carol = fx.state.addUser('carol');
    acme = fx.state.addOrganization('acme', { owners: [ada.id], members: [bob.id] });
    fx.state.addOrganization('globex', { owners: [carol.id] });
  });
  afterAll(() => fx?.close());
  beforeEach(() => {
    now = Date.now();
  });

  it('POST 201 with go-tfe\'s body ("type": ""): the secret once, TFC attribute names, created-by the user', async () => {
    const res = await regenerate(ada.token);
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
    expect(data.attributes).toMatchObject({ description: null, 'expired-at': null, 'last-used-at': null });
    expect(data.attributes['created-at']).toMatch(TIMESTAMP_PATTERN);
    expect(data.attributes.token).toMatch(SECRET_SHAPE);
    expect(data.relationships['created-by']).toEqual({
      data: { type: 'users', id: ada.id },
      links: { related: `/api/v2/users/${ada.id}` },
    });
    expect(data.links.self).toBe('/api/v2/organizations/acme/authentication-token');

    // Membership first, as the caller; then the token service with the organization's id.
    expect(lastCall(MEMBERSHIP.getOrganization)).toMatchObject({
      organization: 'acme',
      meta: { actor: { kind: 'user', id: ada.id } },
    });
    const sent = lastCall(ORG_TOKEN.createOrganizationToken);
    expect(sent).toMatchObject({ organizationId: acme.id, organizationName: 'acme', kind: 'organization' });
    expect(sent.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent).not.toHaveProperty('expiredAt');
  });

  it('POST accepts no body at all, the documented "authentication-token" type, and expired-at', async () => {
    const bare = await call(
      { method: 'POST', url: path('acme'), headers: { ...JSON_API, ...bearer(ada.token) } },
      { issuedByThisCall: true },
    );
    expect(bare.statusCode).toBe(201);
    const typed = await regenerate(ada.token, 'acme', '', {
      data: { type: 'authentication-token', attributes: { 'expired-at': '2099-01-01T00:00:00Z' } },
    });
    expect(typed.statusCode).toBe(201);
    expect(typed.json().data.attributes['expired-at']).toBe('2099-01-01T00:00:00.000Z');
    expect(lastCall(ORG_TOKEN.createOrganizationToken)).toMatchObject({ expiredAt: '2099-01-01T00:00:00Z' });
  });

  it('POST refuses a wrong type (409) and a bad expired-at (422) before asking anyone; the service refuses a past one', async () => {
    const before = callsOf(MEMBERSHIP.getOrganization).length;
    expect((await regenerate(ada.token, 'acme', '', { data: { type: 'teams' } })).statusCode).toBe(409);
    const bad = await regenerate(ada.token, 'acme', '', {
      data: { type: '', attributes: { 'expired-at': 'tomorrow' } },
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().errors[0].source).toEqual({ pointer: '/data/attributes/expired-at' });
    expect(callsOf(MEMBERSHIP.getOrganization).length).toBe(before);

    const past = await regenerate(ada.token, 'acme', '', {
      data: { type: '', attributes: { 'expired-at': '2001-01-01T00:00:00Z' } },
    });
    expect(past.statusCode).toBe(422);
    expect(past.json().errors[0]).toMatchObject({
      detail: 'Expired at must be in the future',
      source: { pointer: '/data/attributes/expired-at' },
    });
  });

  it('GET 200 is the create object minus the secret (token: null)', async () => {
    const created = (await regenerate(ada.token)).json().data;
    const res = await send('GET', ada.token);
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toEqual({ ...created, attributes: { ...created.attributes, token: null } });
  });

  it('the organization token authenticates as its organization (actor organization, no user), and regenerates itself', async () => {
    const secret = (await regenerate(ada.token)).json().data.attributes.token as string;
    const who = await call({ url: '/api/v2/whoami', headers: bearer(secret) });
    expect(who.statusCode).toBe(200);
    const principal = who.json().principal;
    expect(principal).toMatchObject({
      kind: 'organization-token',
      organizationId: acme.id,
      organizationName: 'acme',
      tokenKind: 'organization',
      expiresAt: null,
    });
    expect(principal).not.toHaveProperty('userId');

    // It may manage its own token (the membership service says so): the regeneration is created by the organization.
    const res = await regenerate(secret);
    expect(res.statusCode).toBe(201);
    expect(lastCall(MEMBERSHIP.getOrganization).meta).toMatchObject({
      actor: { kind: 'organization', id: acme.id },
    });
    expect(res.json().data.relationships['created-by']).toEqual({
      data: { type: 'organizations', id: 'acme' },
      links: { related: '/api/v2/organizations/acme' },
    });
    // The replaced secret was cached (5 s TTL) by the calls above: the regeneration evicted it at once.
    expect((await call({ url: '/api/v2/whoami', headers: bearer(secret) })).json()).toEqual(UNAUTHORIZED);
    const fresh = res.json().data.attributes.token as string;
    expect((await call({ url: '/api/v2/whoami', headers: bearer(fresh) })).statusCode).toBe(200);
  });

  it('DELETE 204: the token stops at once; a second DELETE and a GET are 404', async () => {
    const secret = (await regenerate(ada.token)).json().data.attributes.token as string;
    expect((await call({ url: '/api/v2/whoami', headers: bearer(secret) })).statusCode).toBe(200); // cached now
    const res = await send('DELETE', ada.token);
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect((await call({ url: '/api/v2/whoami', headers: bearer(secret) })).json()).toEqual(UNAUTHORIZED);
    const again = await send('DELETE', ada.token);
    expect(again.statusCode).toBe(404);
    expect(again.json()).toEqual(NOT_FOUND);
    expect((await send('GET', ada.token)).json()).toEqual(NOT_FOUND);
  });

  it('an expired organization token is a 401', async () => {
    const expiredAt = new Date(now + 60_000).toISOString();
    const secret = (
      await regenerate(ada.token, 'acme', '', { data: { type: '', attributes: { 'expired-at': expiredAt } } })
    ).json().data.attributes.token as string;
    expect((await call({ url: '/api/v2/whoami', headers: bearer(secret) })).statusCode).toBe(200);
    now += 60_000;
    expect((await call({ url: '/api/v2/whoami', headers: bearer(secret) })).statusCode).toBe(401);
  });

  describe('?token=audit-trails', () => {
    it('is a separate token: created, read and deleted beside the organization token', async () => {
      const organization = (await regenerate(ada.token)).json().data;
      const res = await regenerate(ada.token, 'acme', '?token=audit-trails');
      expect(res.statusCode).toBe(201);
      expect(lastCall(ORG_TOKEN.createOrganizationToken)).toMatchObject({ kind: 'audit-trails' });
      expect(res.json().data.links.self).toBe(
        '/api/v2/organizations/acme/authentication-token?token=audit-trails',
      );
      const audit = res.json().data;
      expect((await send('GET', ada.token, 'acme', '?token=audit-trails')).json().data.id).toBe(audit.id);
      expect((await send('GET', ada.token)).json().data.id).toBe(organization.id);
      expect((await send('DELETE', ada.token, 'acme', '?token=audit-trails')).statusCode).toBe(204);
      expect((await send('GET', ada.token)).json().data.id).toBe(organization.id);
    });

    it('an audit-trails token may use no route (404): it never acts as its organization', async () => {
      const secret = (await regenerate(ada.token, 'acme', '?token=audit-trails')).json().data.attributes
        .token as string;
      const before = callsOf(MEMBERSHIP.getOrganization).length;
      for (const res of [
        await call({ url: '/api/v2/whoami', headers: bearer(secret) }),
        await call({ url: '/api/v2/account/details', headers: bearer(secret) }),
        await send('GET', secret),
        await send('POST', secret, 'acme', '?token=audit-trails', { data: { type: '' } }),
      ]) {
        expect(res.statusCode).toBe(404);
        expect(res.json()).toEqual(NOT_FOUND);
      }
      expect(callsOf(MEMBERSHIP.getOrganization).length).toBe(before);
    });

    it('any other value of token is a 400 naming the parameter, before anyone is asked', async () => {
      const before = fx.state.calls.length;
      for (const method of ['POST', 'GET', 'DELETE'] as const) {
        const res = await send(method, ada.token, 'acme', '?token=team', method === 'POST' ? {} : undefined);
        expect(res.statusCode).toBe(400);
        expect(res.json().errors[0].source).toEqual({ parameter: 'token' });
      }
      expect(fx.state.calls.slice(before).every((c) => c.pattern === TOKEN.verifyCredential)).toBe(true);
    });
  });

  describe('who may', () => {
    it("a member who is not an owner, an outsider, another organization's token: 404, and the token service is never asked", async () => {
      const globexToken = (await regenerate(carol.token, 'globex')).json().data.attributes.token as string;
      const asked =
        callsOf(ORG_TOKEN.createOrganizationToken).length +
        callsOf(ORG_TOKEN.getOrganizationToken).length +
        callsOf(ORG_TOKEN.deleteOrganizationToken).length;
      for (const token of [bob.token, carol.token, globexToken])
        for (const method of ['POST', 'GET', 'DELETE'] as const) {
          const res = await send(
            method,
            token,
            'acme',
            '',
            method === 'POST' ? { data: { type: '' } } : undefined,
          );
          expect(res.statusCode).toBe(404);
          expect(res.json()).toEqual(NOT_FOUND);
        }
      expect(
        callsOf(ORG_TOKEN.createOrganizationToken).length +
          callsOf(ORG_TOKEN.getOrganizationToken).length +
          callsOf(ORG_TOKEN.deleteOrganizationToken).length,
      ).toBe(asked);
    });

    it('an unknown organization is 404; a name that cannot be one is 404 without asking', async () => {
      expect((await send('GET', ada.token, 'initech')).json()).toEqual(NOT_FOUND);
      const before = callsOf(MEMBERSHIP.getOrganization).length;
      expect((await send('GET', ada.token, 'a.b')).statusCode).toBe(404);
      expect(callsOf(MEMBERSHIP.getOrganization).length).toBe(before);
    });

    it('401 without a credential', async () => {
      const res = await fx.app.inject({ method: 'GET', url: path('acme') });
      expect(res.statusCode).toBe(401);
    });
  });

  describe('an organization token on the routes of a user', () => {
    let secret: string;
    beforeAll(async () => {
      secret = (await regenerate(ada.token)).json().data.attributes.token as string;
    });
    const asOrg = (method: InjectOptions['method'], url: string, payload?: unknown) =>
      call({
        method,
        url,
        headers: { ...JSON_API, ...bearer(secret) },
        ...(payload !== undefined ? { payload: payload as InjectOptions['payload'] } : {}),
      });

    it('GET /account/details: the synthetic service user, authenticated-resource the organization', async () => {
      const before = fx.state.calls.length;
      const res = await asOrg('GET', '/api/v2/account/details');
      expect(res.statusCode).toBe(200);
      const { data } = res.json();
      expect(data).toMatchObject({
        type: 'users',
        id: `user-api-${acme.id}`,
        attributes: {
          username: 'api-org-acme',
          'is-service-account': true,
          email: null,
          'is-admin': false,
          'two-factor': { enabled: false, verified: false },
          permissions: { 'can-create-organizations': false, 'can-manage-user-tokens': false },
        },
        relationships: {
          'authenticated-resource': {
            data: { type: 'organizations', id: 'acme' },
            links: { related: '/api/v2/organizations/acme' },
          },
        },
        links: { self: `/api/v2/users/user-api-${acme.id}` },
      });
      expect(data.attributes['avatar-url']).toMatch(
        /^https:\/\/www\.gravatar\.com\/avatar\/[0-9a-f]{32}\?s=100&d=mm$/,
      );
      // Nothing to ask but (at most) the verification: the service user exists only here.
      expect(fx.state.calls.slice(before).every((c) => c.pattern === TOKEN.verifyCredential)).toBe(true);
    });

    it('GET /users/:id: its own service user, and real users without permissions on them', async () => {
      const self = await asOrg('GET', `/api/v2/users/user-api-${acme.id}`);
      expect(self.statusCode).toBe(200);
      expect(self.json().data.attributes).toMatchObject({
        username: 'api-org-acme',
        'is-service-account': true,
      });
      const res = await asOrg('GET', `/api/v2/users/${ada.id}`);
      expect(res.statusCode).toBe(200);
      expect(res.json().data.attributes.username).toBe('ada');
      expect(Object.values(res.json().data.attributes.permissions)).not.toContain(true);
      expect(lastCall(IDENTITY.getUser).meta).toMatchObject({ actor: { kind: 'organization', id: acme.id } });
    });

    it.each([
      ['PATCH', '/api/v2/account/update', { data: { type: 'users', attributes: { username: 'x' } } }],
      [
        'PATCH',
        '/api/v2/account/password',
        {
          data: {
            type: 'users',
            attributes: {
              current_password: 'x'.repeat(12),
              password: 'y'.repeat(12),
              password_confirmation: 'y'.repeat(12),
            },
          },
        },
      ],
      ['GET', '/api/v2/account/sessions', undefined],
      ['DELETE', '/api/v2/account/sessions/sess-1', undefined],
      ['DELETE', '/api/v2/session', undefined],
      ['GET', '/api/v2/users/user-1/authentication-tokens', undefined],
      ['POST', '/api/v2/users/user-1/authentication-tokens', { data: { type: '' } }],
    ])('%s %s is 404 (no user), and no service is asked', async (method, url, payload) => {
      const before = fx.state.calls.length;
      const res = await asOrg(method as InjectOptions['method'], url, payload);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual(NOT_FOUND);
      expect(fx.state.calls.slice(before).every((c) => c.pattern === TOKEN.verifyCredential)).toBe(true);
    });

    // The organization token may manage team tokens (TFC-API §5.2), which these routes also serve: never a user
    // token, only the token service's team-token lookup is asked (team-tokens.e2e.spec.ts covers the rest).
    it.each([['GET'], ['DELETE']])(
      '%s /api/v2/authentication-tokens/at-1 is 404 and asks for a team token only',
      async (method) => {
        const before = fx.state.calls.length;
        const res = await asOrg(method as InjectOptions['method'], '/api/v2/authentication-tokens/at-1');
        expect(res.statusCode).toBe(404);
        expect(res.json()).toEqual(NOT_FOUND);
        expect(
          fx.state.calls
            .slice(before)
            .map((c) => c.pattern)
            .filter((p) => p !== TOKEN.verifyCredential),
        ).toEqual([TEAM_TOKEN.getTeamToken]);
      },
    );
  });
});
