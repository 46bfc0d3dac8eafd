import { MEMBERSHIP } from '@idp/contracts';
import { TIMESTAMP_PATTERN } from '../jsonapi/timestamp';
import { createGatewayAppWithFakeServices, type FakeServicesApp } from '../testing/fake-services';
import type { FakeOrganization, FakeTeam } from '../testing/fake-membership';
import { leakCheckedInject } from '../testing/leak-check';
import {
  includedIndex,
  JSON_API,
  lastCall,
  signedIn,
  type SignedInUser,
} from '../testing/membership-fixtures';

describe('organization memberships: /api/v2/organizations/:name/organization-memberships, /api/v2/organization-memberships', () => {
  let fx: FakeServicesApp;
  let call: ReturnType<typeof leakCheckedInject>;
  let ada: SignedInUser;
  let bob: SignedInUser;
  let cyd: SignedInUser;
  let eve: SignedInUser;
  let acme: FakeOrganization;
  let dev: FakeTeam;
  let bobMembership: string;

  beforeAll(async () => {
    fx = await createGatewayAppWithFakeServices();
    call = leakCheckedInject(fx.app, fx.state);
    ada = signedIn(fx.state, 'ada');
    bob = signedIn(fx.state, 'bob');
    cyd = signedIn(fx.state, 'cyd');
    eve = signedIn(fx.state, 'eve');
    const m = fx.state.membership;
    acme = m.createOrganization('acme', 'billing@acme.example', ada.id);
    dev = m.addTeam(acme, 'dev', { visibility: 'organization' });
    bobMembership = m.join(acme, bob.id, ['dev']).id;
    // Some people to page through: invited, not yet users.
    for (let i = 0; i < 5; i++) m.addMembership(acme, `guest${i}@example.com`, 'invited', null, 'ada');
  });
  afterAll(() => fx?.close());

  const get = (url: string, as?: SignedInUser) => call({ method: 'GET', url, headers: { ...as?.auth } });
  const invite = (as: SignedInUser, payload: unknown, org = 'acme') =>
    call({
      method: 'POST',
      url: `/api/v2/organizations/${org}/organization-memberships`,
      headers: { ...JSON_API, ...as.auth },
      payload: payload as Record<string, unknown>,
    });
  const remove = (as: SignedInUser, id: string) =>
    call({
      method: 'DELETE',
      url: `/api/v2/organization-memberships/${id}`,
      headers: { ...JSON_API, ...as.auth },
    });

  it('401 without a credential on every route', async () => {
    for (const [method, url] of [
      ['GET', '/api/v2/organizations/acme/organization-memberships'],
      ['POST', '/api/v2/organizations/acme/organization-memberships'],
      ['GET', '/api/v2/organization-memberships'],
      ['GET', `/api/v2/organization-memberships/${bobMembership}`],
      ['DELETE', `/api/v2/organization-memberships/${bobMembership}`],
    ] as const) {
      const res = await call({ method, url, headers: JSON_API });
      expect({ url, status: res.statusCode }).toEqual({ url, status: 401 });
    }
  });

  describe('POST (invite)', () => {
    it('201, status invited, user null, organization by name, the teams named; meta.actor sent', async () => {
      const res = await invite(ada, {
        data: {
          type: 'organization-memberships',
          attributes: { email: 'newbie@example.com' },
          relationships: { teams: { data: [{ type: 'teams', id: dev.id }] } },
        },
      });
      expect(res.statusCode).toBe(201);
      expect(res.headers['cache-control']).toBe('no-store');
      const body = res.json();
      expect(body.data).toMatchObject({
        type: 'organization-memberships',
        attributes: { status: 'invited', email: 'newbie@example.com', 'is-org-two-factor-required': false },
        relationships: {
          user: { data: null },
          organization: { data: { type: 'organizations', id: 'acme' } },
          teams: { data: [{ type: 'teams', id: dev.id }] },
        },
      });
      expect(body.data.id).toMatch(/^ou-/);
      expect(body.data.links.self).toBe(`/api/v2/organization-memberships/${body.data.id}`);
      expect(body.data.attributes['created-at']).toMatch(TIMESTAMP_PATTERN);
      expect(body.included).toEqual([]);
      expect(lastCall(fx.state, MEMBERSHIP.invite)).toEqual({
        organization: 'acme',
        email: 'newbie@example.com',
        teamIds: [dev.id],
        meta: expect.objectContaining({ actor: { kind: 'user', id: ada.id } }),
      });
    });

    it("go-tfe's body without relationships is fine (no teamIds sent)", async () => {
      const res = await invite(ada, {
        data: { type: 'organization-memberships', attributes: { email: 'solo@example.com' } },
      });
      expect(res.statusCode).toBe(201);
      expect(res.json().data.relationships.teams).toEqual({ data: [] });
      expect(lastCall(fx.state, MEMBERSHIP.invite)).not.toHaveProperty('teamIds');
    });

    it('422 with pointers for a missing e-mail and bad team identifiers; 409 for another type', async () => {
      const res = await invite(ada, {
        data: {
          type: 'organization-memberships',
          attributes: {},
          relationships: {
            teams: {
              data: [
                { type: 'users', id: 'ada' },
                { type: 'teams', id: 'a b' },
              ],
            },
          },
        },
      });
      expect(res.statusCode).toBe(422);
      expect(res.json().errors.map((e: { source: { pointer: string } }) => e.source.pointer)).toEqual([
        '/data/attributes/email',
        '/data/relationships/teams/data/0/type',
        '/data/relationships/teams/data/1/id',
      ]);
      const notList = await invite(ada, {
        data: {
          type: 'organization-memberships',
          attributes: { email: 'x@example.com' },
          relationships: { teams: { data: { type: 'teams', id: dev.id } } },
        },
      });
      expect(notList.statusCode).toBe(422);
      expect(notList.json().errors[0].source.pointer).toBe('/data/relationships/teams/data');
      const wrongType = await invite(ada, {
        data: { type: 'users', attributes: { email: 'x@example.com' } },
      });
      expect(wrongType.statusCode).toBe(409);
    });

    it("the service's refusals: a bad e-mail 422 on email, an unknown team 404, a plain member 404", async () => {
      const bad = await invite(ada, {
        data: { type: 'organization-memberships', attributes: { email: 'nope' } },
      });
      expect(bad.statusCode).toBe(422);
      expect(bad.json().errors[0]).toMatchObject({
        title: 'invalid attribute',
        code: 'MEMBERSHIP.INVALID_INVITATION',
        source: { pointer: '/data/attributes/email' },
      });
      const team = await invite(ada, {
        data: {
          type: 'organization-memberships',
          attributes: { email: 'y@example.com' },
          relationships: { teams: { data: [{ type: 'teams', id: 'team-doesnotexist00' }] } },
        },
      });
      expect(team.statusCode).toBe(404);
      const member = await invite(bob, {
        data: { type: 'organization-memberships', attributes: { email: 'z@example.com' } },
      });
      expect(member.statusCode).toBe(404);
      expect(member.json()).toEqual({ errors: [{ status: '404', title: 'not found' }] });
    });
  });

  describe("GET an organization's memberships", () => {
    const url = '/api/v2/organizations/acme/organization-memberships';

    it('a page with meta.pagination and meta.status-counts; data always an array', async () => {
      const res = await get(`${url}?page%5Bsize%5D=3`, ada);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.data).toHaveLength(3);
      const total = [...fx.state.membership.memberships.values()].filter(
        (m) => m.organizationId === acme.id,
      ).length;
      expect(body.meta['status-counts']).toEqual({ total, active: 2, invited: total - 2 });
      expect(body.meta.pagination).toMatchObject({
        'current-page': 1,
        'page-size': 3,
        'next-page': 2,
        'total-count': total,
        'total-pages': Math.ceil(total / 3),
      });
      expect(body.links.next).toMatch(
        /^http:\/\/localhost(:\d+)?\/api\/v2\/organizations\/acme\/organization-memberships\?page%5Bnumber%5D=2&page%5Bsize%5D=3$/,
      );
      expect(lastCall(fx.state, MEMBERSHIP.listMemberships)).toMatchObject({
        organization: 'acme',
        page: { number: 1, size: 3 },
        include: [],
        meta: { actor: { kind: 'user', id: ada.id } },
      });
    });

    it('a page beyond the end: 200, data [], current-page echoed, true totals', async () => {
      const res = await get(`${url}?page%5Bnumber%5D=50`, ada);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.data).toEqual([]);
      expect(body.meta.pagination).toMatchObject({
        'current-page': 50,
        'prev-page': null,
        'next-page': null,
        'total-count': body.meta['status-counts'].total,
      });
    });

    it('include=user,teams side-loads users (with username and e-mail) and teams matched by type and id', async () => {
      const res = await get(`${url}?include=user%2Cteams&filter%5Bstatus%5D=active`, ada);
      const body = res.json();
      expect(body.data).toHaveLength(2);
      const index = includedIndex(body);
      for (const m of body.data) {
        const user = m.relationships.user.data;
        const included = index.get(`${user.type},${user.id}`) as { attributes: Record<string, unknown> };
        expect(included.attributes).toEqual({
          username: expect.any(String),
          email: m.attributes.email,
          'avatar-url': expect.any(String),
          'is-service-account': false,
          'auth-method': 'tfc',
          'v2-only': true,
          'two-factor': { enabled: false, verified: false },
        });
        for (const t of m.relationships.teams.data) expect(index.has(`teams,${t.id}`)).toBe(true);
      }
      expect(index.get(`users,${bob.id}`)).toMatchObject({ attributes: { username: 'bob' } });
      // The service is told which collections to fill: only what was asked.
      expect(lastCall(fx.state, MEMBERSHIP.listMemberships)).toMatchObject({
        status: 'active',
        include: ['users', 'teams'],
      });
    });

    it('filter[email] comma-joined and percent-encoded, as go-tfe sends it, arrives as a list', async () => {
      const res = await get(`${url}?filter%5Bemail%5D=bob%40example.com%2Cguest1%40example.com`, ada);
      expect(res.json().data.map((m: { attributes: { email: string } }) => m.attributes.email)).toEqual([
        'bob@example.com',
        'guest1@example.com',
      ]);
      expect(lastCall(fx.state, MEMBERSHIP.listMemberships).emails).toEqual([
        'bob@example.com',
        'guest1@example.com',
      ]);
    });

    it('q matches usernames (the tfe provider looks members up that way)', async () => {
      const res = await get(`${url}?q=bob&include=user`, ada);
      expect(res.json().data.map((m: { id: string }) => m.id)).toEqual([bobMembership]);
      expect(lastCall(fx.state, MEMBERSHIP.listMemberships)).toMatchObject({ q: 'bob' });
    });

    it('400 for an unknown status, an include not offered, too many e-mails', async () => {
      const status = await get(`${url}?filter%5Bstatus%5D=gone`, ada);
      expect(status.statusCode).toBe(400);
      expect(status.json().errors[0].source).toEqual({ parameter: 'filter[status]' });
      const include = await get(`${url}?include=organization`, ada);
      expect(include.statusCode).toBe(400);
      expect(include.json().errors[0].detail).toContain('include parameter');
      const many = Array.from({ length: 101 }, (_, i) => `u${i}%40x.io`).join('%2C');
      expect((await get(`${url}?filter%5Bemail%5D=${many}`, ada)).statusCode).toBe(400);
    });

    it('404 for a non-member', async () => {
      expect((await get(url, eve)).statusCode).toBe(404);
    });
  });

  describe("GET /organization-memberships (the caller's own)", () => {
    it('every organization, invitations to my e-mail included; include=organization gives organizations by name', async () => {
      fx.state.membership.addMembership(acme, cyd.email, 'invited', null, 'ada');
      const res = await get('/api/v2/organization-memberships?include=organization%2Cuser', cyd);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.data).toHaveLength(1);
      expect(body.data[0]).toMatchObject({
        attributes: { status: 'invited', email: cyd.email },
        relationships: {
          organization: { data: { type: 'organizations', id: 'acme' } },
          user: { data: null },
        },
      });
      expect(body.meta.pagination).toMatchObject({ 'current-page': 1, 'total-count': 1 });
      expect(body.meta).not.toHaveProperty('status-counts');

      const bobs = (await get('/api/v2/organization-memberships?include=organization', bob)).json();
      expect(includedIndex(bobs).get('organizations,acme')).toMatchObject({
        type: 'organizations',
        id: 'acme',
        attributes: { name: 'acme' },
      });
      expect(lastCall(fx.state, MEMBERSHIP.listMyMemberships)).toMatchObject({
        page: { number: 1, size: 20 },
        include: ['organizations'],
        meta: { actor: { kind: 'user', id: bob.id } },
      });
    });

    it('an empty list is an empty array with pagination', async () => {
      const body = (await get('/api/v2/organization-memberships', eve)).json();
      expect(body.data).toEqual([]);
      expect(body.meta.pagination['total-pages']).toBe(1);
    });
  });

  describe('GET /organization-memberships/:id', () => {
    it('200 with include=user; include=users is a 400 mentioning `include parameter` (go-tfe test)', async () => {
      const res = await get(`/api/v2/organization-memberships/${bobMembership}?include=user`, bob);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.data.id).toBe(bobMembership);
      expect(body.data.relationships.user.data).toEqual({ type: 'users', id: bob.id });
      expect(includedIndex(body).get(`users,${bob.id}`)).toMatchObject({ attributes: { username: 'bob' } });
      expect(lastCall(fx.state, MEMBERSHIP.getMembership)).toMatchObject({
        membershipId: bobMembership,
        include: ['users'],
      });

      const wrong = await get(`/api/v2/organization-memberships/${bobMembership}?include=users`, bob);
      expect(wrong.statusCode).toBe(400);
      expect(wrong.json().errors[0].detail).toBe('Invalid include parameter: users');
    });

    it('404 for an unknown id, for one not visible, and for an impossible id (no service call)', async () => {
      expect((await get('/api/v2/organization-memberships/ou-nope', ada)).statusCode).toBe(404);
      expect((await get(`/api/v2/organization-memberships/${bobMembership}`, eve)).statusCode).toBe(404);
      const before = fx.state.callsOf(MEMBERSHIP.getMembership).length;
      expect((await get('/api/v2/organization-memberships/a.b', ada)).statusCode).toBe(404);
      expect(fx.state.callsOf(MEMBERSHIP.getMembership)).toHaveLength(before);
    });
  });

  describe('DELETE /organization-memberships/:id', () => {
    it('204 for removing someone; the last owner may not leave (403 with the reason)', async () => {
      const guest = fx.state.membership.addMembership(acme, 'leaving@example.com', 'invited', null);
      const res = await remove(ada, guest.id);
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      expect(lastCall(fx.state, MEMBERSHIP.removeMembership)).toMatchObject({
        membershipId: guest.id,
        meta: { actor: { kind: 'user', id: ada.id } },
      });
      const own = (await get('/api/v2/organization-memberships', ada)).json().data[0].id;
      const refused = await remove(ada, own);
      expect(refused.statusCode).toBe(403);
      expect(refused.json().errors).toEqual([
        {
          status: '403',
          title: 'forbidden',
          detail:
            'You are the last owner of this organization: add another owner or delete the organization first',
          code: 'MEMBERSHIP.LAST_OWNER_FORBIDDEN',
        },
      ]);
    });

    it('a member may leave (204); afterwards the organization is a 404 for them', async () => {
      const m = fx.state.membership.join(acme, cyd.id);
      expect((await remove(cyd, m.id)).statusCode).toBe(204);
      expect((await get('/api/v2/organizations/acme', cyd)).statusCode).toBe(404);
    });
  });
});

describe('membership domain errors through the gateway (each code the service uses)', () => {
  let fx: FakeServicesApp;
  let ada: SignedInUser;

  beforeAll(async () => {
    fx = await createGatewayAppWithFakeServices();
    ada = signedIn(fx.state, 'ada');
    fx.state.membership.createOrganization('acme', 'billing@acme.example', ada.id);
  });
  afterAll(() => fx?.close());

  it.each([
    ['ORGANIZATION.NOT_FOUND', {}, 404, undefined, undefined],
    ['TEAM.NOT_FOUND', {}, 404, undefined, undefined],
    ['MEMBERSHIP.NOT_FOUND', {}, 404, undefined, undefined],
    ['INVITATION.NOT_FOUND', {}, 404, undefined, undefined],
    ['ORGANIZATION.ALREADY_EXISTS', {}, 409, 'conflict', undefined],
    [
      'ORGANIZATION.INVALID_ATTRIBUTE',
      { attribute: 'email' },
      422,
      'invalid attribute',
      '/data/attributes/email',
    ],
    [
      'ORGANIZATION.INVALID_COLLABORATOR_AUTH_POLICY',
      { attribute: 'collaboratorAuthPolicy', owners: ['ada'] },
      422,
      'invalid attribute',
      '/data/attributes/collaborator-auth-policy',
    ],
    ['TEAM.NAME_TAKEN', { attribute: 'name' }, 422, 'invalid attribute', '/data/attributes/name'],
    [
      'TEAM.INVALID_ATTRIBUTE',
      { attribute: 'ssoTeamId' },
      422,
      'invalid attribute',
      '/data/attributes/sso-team-id',
    ],
    ['TEAM.INVALID_OWNERS_TEAM_CHANGE', {}, 422, 'unprocessable entity', undefined],
    ['TEAM.INVALID_MEMBERS', {}, 400, 'bad request', undefined],
    ['MEMBERSHIP.LAST_OWNER_FORBIDDEN', {}, 403, 'forbidden', undefined],
    [
      'MEMBERSHIP.INVALID_INVITATION',
      { attribute: 'email' },
      422,
      'invalid attribute',
      '/data/attributes/email',
    ],
    ['INVITATION.EMAIL_MISMATCH_FORBIDDEN', {}, 403, 'forbidden', undefined],
    ['MEMBERSHIP.ALREADY_MEMBER', {}, 422, 'unprocessable entity', undefined],
    ['MEMBERSHIP.ACTOR_FORBIDDEN', {}, 403, 'forbidden', undefined],
    ['TEAM.OWNER_REQUIRED_FORBIDDEN', {}, 403, 'forbidden', undefined],
    [
      'TEAM.ATTRIBUTE_FORBIDDEN',
      { attribute: 'organizationAccess' },
      403,
      'forbidden',
      '/data/attributes/organization-access',
    ],
  ] as const)('%s %j → %i', async (code, details, status, title, pointer) => {
    fx.state.membership.failNext(MEMBERSHIP.getOrganization, {
      code,
      message: `the service says ${code}`,
      details,
    });
    const res = await fx.app.inject({ method: 'GET', url: '/api/v2/organizations/acme', headers: ada.auth });
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toBe('application/vnd.api+json');
    const [error, ...rest] = res.json().errors;
    expect(rest).toEqual([]);
    if (status === 404) {
      // No detail, no code: no existence oracle.
      expect(error).toEqual({ status: '404', title: 'not found' });
      return;
    }
    expect(error).toMatchObject({ status: String(status), title, code });
    expect(error.detail).toBe(
      code === 'TEAM.NAME_TAKEN' ? 'Name has already been taken' : `the service says ${code}`,
    );
    if (pointer) expect(error.source).toEqual({ pointer });
    else expect(error).not.toHaveProperty('source');
  });
});
