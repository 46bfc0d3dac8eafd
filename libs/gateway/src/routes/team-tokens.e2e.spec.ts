import { MEMBERSHIP, TEAM_TOKEN, TOKEN } from '@idp/contracts';
import type { InjectOptions } from 'fastify';
import { AUTH_CLOCK } from '../auth/auth.tokens';
import { TIMESTAMP_PATTERN } from '../jsonapi/timestamp';
import {
  createGatewayAppWithFakeTeamTokens,
  type FakeTeam,
  type FakeTeamTokensApp,
} from '../testing/fake-team-tokens';
import type { FakeServiceState } from '../testing/fake-services';
import { leakCheckedInject } from '../testing/leak-check';

const JSON_API = { 'content-type': 'application/vnd.api+json' };
const SECRET_SHAPE = /^[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_-]{67}$/;
const NOT_FOUND = { errors: [{ status: '404', title: 'not found' }] };
const UNAUTHORIZED = { errors: [{ status: '401', title: 'unauthorized' }] };

describe('team tokens: /teams/:id/authentication-token(s), /authentication-tokens/:id, /organizations/:name/team-tokens', () => {
  let fx: FakeTeamTokensApp;
  let call: ReturnType<typeof leakCheckedInject>;
  let now = Date.now();
  let ada: { id: string; token: string }; // owner of acme
  let tom: { id: string; token: string }; // manage-teams (team admins)
  let bob: { id: string; token: string }; // member of dev (allow-member-token-management true)
  let dan: { id: string; token: string }; // member of ops (allow-member-token-management false)
  let pat: { id: string; token: string }; // member of acme on no team
  let eve: { id: string; token: string }; // outsider (globex)
  let orgToken: string;
  let ownersTeamToken: string;
  let dev: FakeTeam;
  let ops: FakeTeam;
  let vault: FakeTeam; // secret, nobody on it
  let owners: string;

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const req = (method: 'POST' | 'GET' | 'DELETE' | 'PATCH', url: string, token: string, payload?: unknown) =>
    call(
      {
        method,
        url,
        headers: { ...JSON_API, ...bearer(token) },
        ...(payload !== undefined ? { payload: payload as InjectOptions['payload'] } : {}),
      },
      { issuedByThisCall: method === 'POST' },
    );
  const createDescribed = (token: string, teamId: string, description: string | null, extra = {}) =>
    req('POST', `/api/v2/teams/${teamId}/authentication-tokens`, token, {
      data: { type: '', attributes: { description, ...extra } },
    });
  const callsOf = (pattern: string) => fx.state.callsOf(pattern);
  const lastCall = (pattern: string) => callsOf(pattern).at(-1)!.payload;
  let seq = 0;
  const unique = (s: string) => `${s}-${++seq}`;

  beforeAll(async () => {
    fx = await createGatewayAppWithFakeTeamTokens({
      config: { authCacheTtlMs: 5_000 },
      overrides: [{ provide: AUTH_CLOCK, useValue: () => now }],
    });
    fx.state.now = () => now;
    call = leakCheckedInject(fx.app, fx.state as unknown as FakeServiceState);
    const acme = fx.state.addOrganization('acme');
    fx.state.addOrganization('globex');
    owners = acme.ownersTeamId;
    ada = fx.state.addUser('ada');
    fx.state.joinTeam(owners, ada.id);
    tom = fx.state.addUser('tom');
    fx.state.addTeam('acme', 'admins', {
      members: [tom.id],
      access: { manageTeams: true, manageMembership: true } as never,
    });
    bob = fx.state.addUser('bob');
    dev = fx.state.addTeam('acme', 'dev', { members: [bob.id] });
    dan = fx.state.addUser('dan');
    ops = fx.state.addTeam('acme', 'ops', { members: [dan.id], allowMemberTokenManagement: false });
    vault = fx.state.addTeam('acme', 'vault', { visibility: 'secret' });
    pat = fx.state.addUser('pat', 'acme');
    eve = fx.state.addUser('eve', 'globex');
    orgToken = fx.state.addOrganizationToken('acme');
    const legacy = await req('POST', `/api/v2/teams/${owners}/authentication-token`, ada.token);
    ownersTeamToken = legacy.json().data.attributes.token;
  });
  afterAll(() => fx?.close());
  beforeEach(() => {
    now = Date.now();
  });

  it("POST /teams/:id/authentication-tokens 201 with go-tfe's body: the secret once, relationships team and created-by", async () => {
    const res = await createDescribed(ada.token, dev.id, 'ci', { 'expired-at': '2099-01-01T00:00:00Z' });
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
    expect(data.attributes.token).toMatch(SECRET_SHAPE);
    expect(data.relationships.team).toEqual({
      data: { type: 'teams', id: dev.id },
      links: { related: `/api/v2/teams/${dev.id}` },
    });
    expect(data.relationships['created-by'].data).toEqual({ type: 'users', id: ada.id });
    expect(data.links.self).toBe(`/api/v2/authentication-tokens/${data.id}`);
    // Membership first, as the caller; then the token service with the team's and its organization's ids.
    expect(lastCall(MEMBERSHIP.getTeam)).toMatchObject({
      teamId: dev.id,
      meta: { actor: { kind: 'user', id: ada.id } },
    });
    const sent = lastCall(TEAM_TOKEN.createTeamToken);
    expect(sent).toMatchObject({ teamId: dev.id, description: 'ci', expiredAt: '2099-01-01T00:00:00Z' });
    expect(sent.organizationId).toMatch(/^org-/);
    expect(sent.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("a duplicate description is exactly TFC's 422 (go-tfe ErrInvalidDescriptionConflict); a blank one is a 422 too", async () => {
    expect((await createDescribed(ada.token, dev.id, 'dup')).statusCode).toBe(201);
    const res = await createDescribed(ada.token, dev.id, 'dup');
    expect(res.statusCode).toBe(422);
    const { errors } = res.json();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      status: '422',
      title: 'invalid attributes',
      detail: 'Validation failed: Description has already been taken',
    });
    expect(`${errors[0].title}\n\n${errors[0].detail}`).toBe(
      'invalid attributes\n\nValidation failed: Description has already been taken',
    );
    // Unique per team only.
    expect((await createDescribed(ada.token, ops.id, 'dup')).statusCode).toBe(201);
    for (const description of [null, '  ']) {
      const blank = await createDescribed(ada.token, dev.id, description);
      expect(blank.statusCode).toBe(422);
      expect(blank.json().errors[0].source).toEqual({ pointer: '/data/attributes/description' });
    }
    const badExpiry = await createDescribed(ada.token, dev.id, 'x', { 'expired-at': 'tomorrow' });
    expect(badExpiry.statusCode).toBe(422);
  });

  it('GET /authentication-tokens/:id is the create object minus the secret; DELETE 204, then 404 twice', async () => {
    const created = (await createDescribed(bob.token, dev.id, unique('read'))).json().data;
    const read = await req('GET', `/api/v2/authentication-tokens/${created.id}`, bob.token);
    expect(read.statusCode).toBe(200);
    expect(read.json().data).toEqual({ ...created, attributes: { ...created.attributes, token: null } });
    // Someone who may not manage dev's tokens: 404, as for no token.
    expect((await req('GET', `/api/v2/authentication-tokens/${created.id}`, dan.token)).json()).toEqual(
      NOT_FOUND,
    );
    expect((await req('DELETE', `/api/v2/authentication-tokens/${created.id}`, pat.token)).statusCode).toBe(
      404,
    );
    const del = await req('DELETE', `/api/v2/authentication-tokens/${created.id}`, bob.token);
    expect(del.statusCode).toBe(204);
    expect(del.body).toBe('');
    expect((await req('DELETE', `/api/v2/authentication-tokens/${created.id}`, bob.token)).json()).toEqual(
      NOT_FOUND,
    );
    expect((await req('GET', `/api/v2/authentication-tokens/${created.id}`, bob.token)).statusCode).toBe(404);
  });

  it('a team token authenticates as the team: account/details is its service user; revoked, the very next request is 401', async () => {
    const created = (await createDescribed(ada.token, dev.id, unique('use'))).json().data;
    const secret = created.attributes.token as string;
    const me = await call({ url: '/api/v2/account/details', headers: bearer(secret) });
    expect(me.statusCode).toBe(200);
    expect(me.json().data).toMatchObject({
      type: 'users',
      id: `user-api-${dev.id}`,
      attributes: {
        username: `api-team_${dev.id.replace(/^team-/, '')}`,
        'is-service-account': true,
        email: null,
      },
      relationships: { 'authenticated-resource': { data: { type: 'teams', id: dev.id } } },
    });
    // Account routes do not exist for it.
    const update = await req('PATCH', '/api/v2/account/update', secret, {
      data: { type: 'users', attributes: { username: 'x' } },
    });
    expect(update.statusCode).toBe(404);
    // It acts as the team towards the services.
    await req('GET', `/api/v2/teams/${dev.id}/authentication-token`, secret);
    expect(lastCall(MEMBERSHIP.getTeam).meta).toMatchObject({ actor: { kind: 'team', id: dev.id } });

    expect((await req('DELETE', `/api/v2/authentication-tokens/${created.id}`, ada.token)).statusCode).toBe(
      204,
    );
    expect((await call({ url: '/api/v2/account/details', headers: bearer(secret) })).json()).toEqual(
      UNAUTHORIZED,
    );
  });

  it('deleting the team: its tokens are 401 on the very next request (closed synchronously, then evicted)', async () => {
    const doomed = fx.state.addTeam('acme', 'doomed');
    const a = (await createDescribed(ada.token, doomed.id, 'a')).json().data.attributes.token as string;
    const legacy = (await req('POST', `/api/v2/teams/${doomed.id}/authentication-token`, ada.token)).json()
      .data.attributes.token as string;
    for (const secret of [a, legacy])
      expect((await call({ url: '/api/v2/account/details', headers: bearer(secret) })).statusCode).toBe(200);
    expect((await req('DELETE', `/api/v2/teams/${doomed.id}`, ada.token)).statusCode).toBe(204);
    expect(lastCall(TEAM_TOKEN.closeTeamTokens)).toMatchObject({ teamId: doomed.id });
    for (const secret of [a, legacy])
      expect((await call({ url: '/api/v2/account/details', headers: bearer(secret) })).json()).toEqual(
        UNAUTHORIZED,
      );
  });

  it('an expired team token is 401 at expired-at exactly', async () => {
    const expiry = new Date(now + 60_000).toISOString();
    const created = (
      await createDescribed(ada.token, dev.id, unique('short'), { 'expired-at': expiry })
    ).json().data;
    const secret = created.attributes.token as string;
    now = Date.parse(expiry) - 1;
    expect((await call({ url: '/api/v2/account/details', headers: bearer(secret) })).statusCode).toBe(200);
    now = Date.parse(expiry);
    expect((await call({ url: '/api/v2/account/details', headers: bearer(secret) })).statusCode).toBe(401);
  });

  describe('the legacy token: /teams/:id/authentication-token', () => {
    const legacyPath = (teamId: string) => `/api/v2/teams/${teamId}/authentication-token`;

    it('POST 201 (no body, "type":"" or the documented type), description null; again regenerates: the old secret is 401', async () => {
      const bare = await call(
        { method: 'POST', url: legacyPath(ops.id), headers: { ...JSON_API, ...bearer(ada.token) } },
        { issuedByThisCall: true },
      );
      expect(bare.statusCode).toBe(201);
      const first = bare.json().data;
      expect(first.attributes.description).toBeNull();
      expect(first.attributes.token).toMatch(SECRET_SHAPE);
      expect(
        (await call({ url: '/api/v2/account/details', headers: bearer(first.attributes.token) })).statusCode,
      ).toBe(200);
      const again = await req('POST', legacyPath(ops.id), ada.token, {
        data: { type: 'authentication-token', attributes: { 'expired-at': null } },
      });
      expect(again.statusCode).toBe(201);
      const second = again.json().data;
      expect(second.attributes.token).not.toBe(first.attributes.token);
      // Evicted here at once (the replaced token id came back from the token service).
      expect(
        (await call({ url: '/api/v2/account/details', headers: bearer(first.attributes.token) })).statusCode,
      ).toBe(401);
      const read = await req('GET', legacyPath(ops.id), ada.token);
      expect(read.statusCode).toBe(200);
      expect(read.json().data).toEqual({ ...second, attributes: { ...second.attributes, token: null } });
      expect(lastCall(TEAM_TOKEN.createTeamToken)).toMatchObject({ description: null });
    });

    it("GET /authentication-tokens/<team id> is the team's legacy token; DELETE through it revokes it", async () => {
      const created = (await req('POST', legacyPath(dev.id), ada.token)).json().data;
      const read = await req('GET', `/api/v2/authentication-tokens/${dev.id}`, bob.token);
      expect(read.statusCode).toBe(200);
      expect(read.json().data).toEqual({ ...created, attributes: { ...created.attributes, token: null } });
      expect((await req('GET', `/api/v2/authentication-tokens/${dev.id}`, dan.token)).statusCode).toBe(404);
      expect((await req('DELETE', `/api/v2/authentication-tokens/${dev.id}`, bob.token)).statusCode).toBe(
        204,
      );
      expect((await req('GET', legacyPath(dev.id), bob.token)).statusCode).toBe(404);
      expect((await req('GET', `/api/v2/authentication-tokens/${dev.id}`, bob.token)).statusCode).toBe(404);
    });

    it('DELETE 204; GET and a second DELETE 404 when there is none', async () => {
      await req('POST', legacyPath(vault.id), ada.token, { data: { type: '' } });
      expect((await req('DELETE', legacyPath(vault.id), ada.token)).statusCode).toBe(204);
      expect((await req('DELETE', legacyPath(vault.id), ada.token)).json()).toEqual(NOT_FOUND);
      expect((await req('GET', legacyPath(vault.id), ada.token)).json()).toEqual(NOT_FOUND);
    });
  });

  describe("who may manage a team's tokens (TFC-API §5.2)", () => {
    type Who =
      | 'owner'
      | 'manage-teams'
      | 'team member (allowed)'
      | 'team member (not allowed)'
      | 'plain member'
      | 'organization token'
      | 'owners-team token'
      | 'outsider';
    const as = (who: Who): string =>
      ({
        owner: ada.token,
        'manage-teams': tom.token,
        'team member (allowed)': bob.token,
        'team member (not allowed)': dan.token,
        'plain member': pat.token,
        'organization token': orgToken,
        'owners-team token': ownersTeamToken,
        outsider: eve.token,
      })[who];
    const team = (name: 'dev' | 'ops' | 'vault') => ({ dev, ops, vault })[name];
    // dev: allow-member-token-management true, bob on it; ops: false, dan on it; vault: secret, nobody on it.
    const matrix: Array<[Who, 'dev' | 'ops' | 'vault', boolean]> = [
      ['owner', 'dev', true],
      ['owner', 'ops', true],
      ['owner', 'vault', true],
      ['manage-teams', 'dev', true],
      ['manage-teams', 'ops', true],
      ['manage-teams', 'vault', false],
      ['team member (allowed)', 'dev', true],
      ['team member (allowed)', 'ops', false],
      ['team member (not allowed)', 'ops', false],
      ['team member (not allowed)', 'dev', false],
      ['plain member', 'dev', false],
      ['organization token', 'dev', true],
      ['organization token', 'vault', true],
      ['owners-team token', 'dev', true],
      ['owners-team token', 'vault', true],
      ['outsider', 'dev', false],
    ];

    it.each(matrix)('%s on %s: may manage = %s (both APIs)', async (who, name, allowed) => {
      const t = team(name);
      const described = await createDescribed(as(who), t.id, unique(`m-${who}`));
      expect(described.statusCode).toBe(allowed ? 201 : 404);
      const legacyRead = await req('GET', `/api/v2/teams/${t.id}/authentication-token`, as(who));
      if (!allowed) {
        expect(described.json()).toEqual(NOT_FOUND);
        expect(legacyRead.json()).toEqual(NOT_FOUND);
        // And never a token of that team through the id route either.
        const existing = (await createDescribed(ada.token, t.id, unique('probe'))).json().data;
        expect((await req('GET', `/api/v2/authentication-tokens/${existing.id}`, as(who))).statusCode).toBe(
          404,
        );
        expect(
          (await req('DELETE', `/api/v2/authentication-tokens/${existing.id}`, as(who))).statusCode,
        ).toBe(404);
        expect(fx.state.tokens.has(existing.id)).toBe(true);
      } else {
        const id = described.json().data.id;
        expect((await req('GET', `/api/v2/authentication-tokens/${id}`, as(who))).statusCode).toBe(200);
        expect((await req('DELETE', `/api/v2/authentication-tokens/${id}`, as(who))).statusCode).toBe(204);
      }
    });

    it('created-by names the organization (by name) or the team when a token created it', async () => {
      const byOrg = (await createDescribed(orgToken, dev.id, unique('by-org'))).json().data;
      expect(byOrg.relationships['created-by'].data).toEqual({ type: 'organizations', id: 'acme' });
      const byTeam = (await createDescribed(ownersTeamToken, dev.id, unique('by-team'))).json().data;
      expect(byTeam.relationships['created-by'].data).toEqual({ type: 'teams', id: owners });
    });
  });

  describe('GET /organizations/:name/team-tokens', () => {
    let listOrg: FakeTeam[];
    beforeAll(async () => {
      // A fresh organization so the list holds only what this block creates.
      const org = fx.state.addOrganization('lists');
      fx.state.joinTeam(org.ownersTeamId, ada.id);
      const alpha = fx.state.addTeam('lists', 'alpha', { members: [bob.id] });
      const beta = fx.state.addTeam('lists', 'beta');
      const gamma = fx.state.addTeam('lists', 'gamma', { visibility: 'secret' });
      listOrg = [alpha, beta, gamma];
      const day = 86_400_000;
      const mk = async (teamId: string, description: string, expiresInDays: number | null) =>
        createDescribed(ada.token, teamId, description, {
          'expired-at': expiresInDays === null ? null : new Date(now + expiresInDays * day).toISOString(),
        });
      await mk(alpha.id, 'a-3d', 3);
      await mk(alpha.id, 'a-never', null);
      await mk(beta.id, 'b-20d', 20);
      await mk(beta.id, 'b-60d', 60);
      await mk(gamma.id, 'g-10d', 10);
      // One already expired (created with a past clock).
      const realNow = now;
      now = Date.now() - 10 * day;
      await mk(gamma.id, 'g-expired', 5);
      now = realNow;
    });
    const list = async (query: string, token = ada.token) => {
      const res = await req('GET', `/api/v2/organizations/lists/team-tokens${query}`, token);
      return res;
    };
    const descriptions = async (query: string, token = ada.token) =>
      (await list(query, token))
        .json()
        .data.map((d: { attributes: { description: string } }) => d.attributes.description);

    it('default: ascending expiry (never expiring last), each element authentication-tokens without secret, paginated', async () => {
      const res = await list('');
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.data.map((d: { attributes: { description: string } }) => d.attributes.description)).toEqual(
        ['g-expired', 'a-3d', 'g-10d', 'b-20d', 'b-60d', 'a-never'],
      );
      for (const d of body.data) {
        expect(d.type).toBe('authentication-tokens');
        expect(d.attributes.token).toBeNull();
        expect(d.relationships.team.data.type).toBe('teams');
      }
      expect(body.meta.pagination).toMatchObject({ 'current-page': 1, 'total-count': 6, 'total-pages': 1 });
      const page2 = (await list('?page%5Bnumber%5D=2&page%5Bsize%5D=4')).json();
      expect(page2.data).toHaveLength(2);
      expect(page2.meta.pagination).toMatchObject({
        'current-page': 2,
        'total-count': 6,
        'total-pages': 2,
        'prev-page': 1,
      });
    });

    it('sort by team-name, -expired-at, created-by; a bad sort is 400', async () => {
      const teamsOf = (ds: string[]) => ds.map((d) => d[0]).join('');
      expect(teamsOf(await descriptions('?sort=team-name'))).toBe('aabbgg');
      expect((await descriptions('?sort=-expired-at'))[0]).toBe('a-never');
      expect(teamsOf(await descriptions('?sort=-team-name'))).toBe('ggbbaa');
      expect((await descriptions('?sort=created-by')).length).toBe(6);
      expect((await descriptions('?sort=last-used-at')).length).toBe(6);
      const bad = await list('?sort=name');
      expect(bad.statusCode).toBe(400);
      expect(bad.json().errors[0].source).toEqual({ parameter: 'sort' });
    });

    it('q filters by team name; filter[expiry_status] ORs its values; an unknown status is 400', async () => {
      expect(await descriptions('?q=BET')).toEqual(['b-20d', 'b-60d']);
      expect(await descriptions('?filter%5Bexpiry_status%5D=expired')).toEqual(['g-expired']);
      expect(await descriptions('?filter%5Bexpiry_status%5D=no_expiration')).toEqual(['a-never']);
      expect(await descriptions('?filter%5Bexpiry_status%5D=expiring_in_7_days')).toEqual(['a-3d']);
      expect(await descriptions('?filter%5Bexpiry_status%5D=expiring_in_30_days')).toEqual([
        'a-3d',
        'g-10d',
        'b-20d',
      ]);
      expect(await descriptions('?filter%5Bexpiry_status%5D=expired,no_expiration')).toEqual([
        'g-expired',
        'a-never',
      ]);
      expect(await descriptions('?filter%5Bexpiry_status%5D=active')).toEqual([
        'a-3d',
        'g-10d',
        'b-20d',
        'b-60d',
        'a-never',
      ]);
      const bad = await list('?filter%5Bexpiry_status%5D=soon');
      expect(bad.statusCode).toBe(400);
    });

    it('lists only the teams whose tokens the caller may manage; an outsider gets 404', async () => {
      fx.state.organizations.get('lists')!.members.add(bob.id);
      expect(await descriptions('', bob.token)).toEqual(['a-3d', 'a-never']);
      expect((await list('', eve.token)).json()).toEqual(NOT_FOUND);
    });

    it('DELETE bulk: 204 and gone; any unknown, foreign or unmanageable id is 404 and nothing is deleted', async () => {
      const all = (await list('')).json().data as Array<{ id: string; attributes: { description: string } }>;
      const pick = (d: string) => all.find((t) => t.attributes.description === d)!.id;
      const foreign = (await createDescribed(ada.token, dev.id, unique('foreign'))).json().data.id;
      const bulk = (ids: string[], token = ada.token) =>
        req('DELETE', '/api/v2/organizations/lists/team-tokens', token, {
          data: ids.map((id) => ({ type: 'authentication-tokens', id })),
        });
      for (const ids of [
        [pick('b-20d'), 'at-unknown'],
        [pick('b-20d'), foreign],
      ]) {
        const res = await bulk(ids);
        expect(res.statusCode).toBe(404);
      }
      // bob may manage alpha's tokens, not beta's.
      expect((await bulk([pick('a-3d'), pick('b-20d')], bob.token)).statusCode).toBe(404);
      expect(fx.state.tokens.has(pick('a-3d'))).toBe(true);
      expect(fx.state.tokens.has(pick('b-20d'))).toBe(true);
      const bad = await req('DELETE', '/api/v2/organizations/lists/team-tokens', ada.token, { data: [] });
      expect(bad.statusCode).toBe(422);
      const ok = await bulk([pick('b-20d'), pick('g-10d')]);
      expect(ok.statusCode).toBe(204);
      expect(lastCall(TEAM_TOKEN.deleteTeamTokens)).toMatchObject({
        tokenIds: [pick('b-20d'), pick('g-10d')],
      });
      expect(await descriptions('')).toEqual(['g-expired', 'a-3d', 'b-60d', 'a-never']);
      expect(listOrg).toHaveLength(3);
    });
  });

  it('every verification went through the token service by secret, never with it in a membership call', () => {
    for (const c of fx.state.calls)
      if (c.pattern !== TOKEN.verifyCredential) expect(JSON.stringify(c.payload)).not.toContain('.atlasv1.');
  });
});
