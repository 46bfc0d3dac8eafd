import { MEMBERSHIP } from '@idp/contracts';
import { createGatewayAppWithFakeServices, type FakeServicesApp } from '../testing/fake-services';
import type { FakeMembership, FakeOrganization, FakeTeam } from '../testing/fake-membership';
import { leakCheckedInject } from '../testing/leak-check';
import {
  includedIndex,
  JSON_API,
  lastCall,
  signedIn,
  type SignedInUser,
} from '../testing/membership-fixtures';

const ACCESS_KEYS = [
  'manage-policies',
  'manage-policy-overrides',
  'delegate-policy-overrides',
  'manage-workspaces',
  'manage-vcs-settings',
  'manage-providers',
  'manage-modules',
  'manage-run-tasks',
  'manage-projects',
  'read-workspaces',
  'read-projects',
  'manage-membership',
  'manage-teams',
  'manage-organization-access',
  'access-secret-teams',
  'manage-agent-pools',
];

const TEAM_PERMISSION_KEYS = [
  'can-destroy',
  'can-update-membership',
  'can-update-organization-access',
  'can-update-api-token',
  'can-update-visibility',
  'can-update-name',
  'can-update-sso-team-id',
  'can-update-member-token-management',
  'can-view-api-token',
];

describe('teams: /api/v2/organizations/:name/teams, /api/v2/teams/:id', () => {
  let fx: FakeServicesApp;
  let call: ReturnType<typeof leakCheckedInject>;
  let ada: SignedInUser;
  let bob: SignedInUser;
  let cyd: SignedInUser;
  let eve: SignedInUser;
  let acme: FakeOrganization;
  let owners: FakeTeam;
  let dev: FakeTeam;
  let invited: FakeMembership;

  beforeAll(async () => {
    fx = await createGatewayAppWithFakeServices();
    call = leakCheckedInject(fx.app, fx.state);
    ada = signedIn(fx.state, 'ada');
    bob = signedIn(fx.state, 'bob');
    cyd = signedIn(fx.state, 'cyd');
    eve = signedIn(fx.state, 'eve');
    const m = fx.state.membership;
    acme = m.createOrganization('acme', 'billing@acme.example', ada.id);
    owners = m.teamNamed(acme, 'owners')!;
    dev = m.addTeam(acme, 'dev', { visibility: 'organization' });
    m.addTeam(acme, 'hidden', { visibility: 'secret' });
    m.join(acme, bob.id, ['dev']);
    m.join(acme, cyd.id);
    invited = m.addMembership(acme, 'dana@example.com', 'invited', null, 'ada');
  });
  afterAll(() => fx?.close());

  const get = (url: string, as?: SignedInUser) => call({ method: 'GET', url, headers: { ...as?.auth } });
  const send = (method: 'POST' | 'PATCH' | 'DELETE', url: string, as: SignedInUser, payload?: unknown) =>
    call({
      method,
      url,
      headers: { ...JSON_API, ...as.auth },
      ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
    });

  it('401 without a credential on every route', async () => {
    for (const [method, url] of [
      ['GET', '/api/v2/organizations/acme/teams'],
      ['POST', '/api/v2/organizations/acme/teams'],
      ['GET', `/api/v2/teams/${dev.id}`],
      ['PATCH', `/api/v2/teams/${dev.id}`],
      ['DELETE', `/api/v2/teams/${dev.id}`],
      ['POST', `/api/v2/teams/${dev.id}/relationships/users`],
      ['DELETE', `/api/v2/teams/${dev.id}/relationships/users`],
      ['POST', `/api/v2/teams/${dev.id}/relationships/organization-memberships`],
      ['DELETE', `/api/v2/teams/${dev.id}/relationships/organization-memberships`],
      ['GET', `/api/v2/teams/${dev.id}/relationships/organization-memberships`],
    ] as const) {
      const res = await call({ method, url, headers: JSON_API });
      expect({ method, url, status: res.statusCode }).toEqual({ method, url, status: 401 });
    }
  });

  describe('POST /organizations/:name/teams', () => {
    it("201 in go-tfe's shape: every organization-access flag and permission key, relationships with data", async () => {
      const res = await send('POST', '/api/v2/organizations/acme/teams', ada, {
        data: {
          type: 'teams',
          attributes: {
            name: 'ops',
            visibility: 'organization',
            'sso-team-id': 'grp-ops',
            'allow-member-token-management': false,
            'organization-access': { 'manage-workspaces': true, 'manage-projects': true },
          },
        },
      });
      expect(res.statusCode).toBe(201);
      expect(res.headers['cache-control']).toBe('no-store');
      const { data } = res.json();
      expect(data.type).toBe('teams');
      expect(data.id).toMatch(/^team-/);
      expect(data.links).toEqual({ self: `/api/v2/teams/${data.id}` });
      expect(data.attributes).toMatchObject({
        name: 'ops',
        visibility: 'organization',
        'sso-team-id': 'grp-ops',
        'users-count': 0,
        'allow-member-token-management': false,
        'is-unified': false,
      });
      expect(Object.keys(data.attributes['organization-access']).sort()).toEqual([...ACCESS_KEYS].sort());
      expect(data.attributes['organization-access']).toMatchObject({
        'manage-workspaces': true,
        'manage-projects': true,
        'manage-policies': false,
      });
      expect(Object.keys(data.attributes.permissions).sort()).toEqual([...TEAM_PERMISSION_KEYS].sort());
      for (const key of TEAM_PERMISSION_KEYS) expect(data.attributes.permissions[key]).toBe(true);
      expect(data.relationships).toMatchObject({
        users: { data: [] },
        'organization-memberships': { data: [] },
        organization: { data: { type: 'organizations', id: 'acme' } },
        'authentication-token': { links: { related: `/api/v2/teams/${data.id}/authentication-token` } },
      });
      expect(lastCall(fx.state, MEMBERSHIP.createTeam)).toEqual({
        organization: 'acme',
        name: 'ops',
        visibility: 'organization',
        ssoTeamId: 'grp-ops',
        allowMemberTokenManagement: false,
        organizationAccess: { manageWorkspaces: true, manageProjects: true },
        meta: expect.objectContaining({ actor: { kind: 'user', id: ada.id } }),
      });
    });

    it('accepts `allow-team-token-management` (the docs update table) as an alias', async () => {
      const res = await send('POST', '/api/v2/organizations/acme/teams', ada, {
        data: { type: 'teams', attributes: { name: 'qa', 'allow-team-token-management': false } },
      });
      expect(res.statusCode).toBe(201);
      expect(res.json().data.attributes['allow-member-token-management']).toBe(false);
      expect(lastCall(fx.state, MEMBERSHIP.createTeam)).toMatchObject({ allowMemberTokenManagement: false });
    });

    it('422 with nested pointers for bad attributes; 409 for another type', async () => {
      const res = await send('POST', '/api/v2/organizations/acme/teams', ada, {
        data: {
          type: 'teams',
          attributes: { visibility: 'public', 'organization-access': { 'manage-policies': 'yes' } },
        },
      });
      expect(res.statusCode).toBe(422);
      expect(
        res
          .json()
          .errors.map((e: { source: { pointer: string }; detail: string }) => [e.source.pointer, e.detail]),
      ).toEqual([
        ['/data/attributes/name', "Name can't be blank"],
        ['/data/attributes/visibility', 'Visibility is not included in the list'],
        ['/data/attributes/organization-access/manage-policies', 'Manage policies must be true or false'],
      ]);
      expect(
        (
          await send('POST', '/api/v2/organizations/acme/teams', ada, {
            data: { type: 'users', attributes: {} },
          })
        ).statusCode,
      ).toBe(409);
    });

    it("the service's refusals: a taken name (TFC's 422), a dependency rule (its pointer), a member without the right (404)", async () => {
      const taken = await send('POST', '/api/v2/organizations/acme/teams', ada, {
        data: { type: 'teams', attributes: { name: 'DEV' } },
      });
      expect(taken.statusCode).toBe(422);
      expect(taken.json().errors).toEqual([
        {
          status: '422',
          title: 'invalid attribute',
          detail: 'Name has already been taken',
          code: 'TEAM.NAME_TAKEN',
          source: { pointer: '/data/attributes/name' },
        },
      ]);
      const rule = await send('POST', '/api/v2/organizations/acme/teams', ada, {
        data: {
          type: 'teams',
          attributes: { name: 'x', 'organization-access': { 'manage-projects': true } },
        },
      });
      expect(rule.statusCode).toBe(422);
      expect(rule.json().errors[0].source).toEqual({
        pointer: '/data/attributes/organization-access/manage-projects',
      });
      const member = await send('POST', '/api/v2/organizations/acme/teams', bob, {
        data: { type: 'teams', attributes: { name: 'mine' } },
      });
      expect(member.statusCode).toBe(404);
    });
  });

  describe('GET /organizations/:name/teams', () => {
    it('a page of visible teams (secret ones left out for a member), pagination meta', async () => {
      const res = await get('/api/v2/organizations/acme/teams', bob);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.data.map((t: { attributes: { name: string } }) => t.attributes.name)).not.toContain(
        'hidden',
      );
      expect(body.meta.pagination).toMatchObject({ 'current-page': 1, 'total-count': body.data.length });
      const all = (await get('/api/v2/organizations/acme/teams', ada)).json();
      expect(all.data.map((t: { attributes: { name: string } }) => t.attributes.name)).toContain('hidden');
      expect(all).not.toHaveProperty('included');
    });

    it('filter[names] comma-joined and percent-encoded arrives as a list; include=users side-loads members', async () => {
      const res = await get(
        '/api/v2/organizations/acme/teams?filter%5Bnames%5D=owners%2Cdev&include=users',
        ada,
      );
      const body = res.json();
      expect(body.data.map((t: { id: string }) => t.id).sort()).toEqual([dev.id, owners.id].sort());
      expect(lastCall(fx.state, MEMBERSHIP.listTeams)).toMatchObject({
        organization: 'acme',
        names: ['owners', 'dev'],
        page: { number: 1, size: 20 },
        include: ['users'],
      });
      const index = includedIndex(body);
      const devDoc = body.data.find((t: { id: string }) => t.id === dev.id);
      expect(devDoc.relationships.users.data).toEqual([{ type: 'users', id: bob.id }]);
      expect(devDoc.attributes['users-count']).toBe(1);
      expect(index.get(`users,${bob.id}`)).toMatchObject({
        attributes: { username: 'bob', email: bob.email },
      });
      expect(index.has(`users,${ada.id}`)).toBe(true);
    });

    it('q reaches the service; page beyond the end is empty with true totals', async () => {
      await get('/api/v2/organizations/acme/teams?q=ow', ada);
      expect(lastCall(fx.state, MEMBERSHIP.listTeams)).toMatchObject({ q: 'ow' });
      const beyond = (
        await get('/api/v2/organizations/acme/teams?page%5Bnumber%5D=4&page%5Bsize%5D=2', ada)
      ).json();
      expect(beyond.data).toEqual([]);
      expect(beyond.meta.pagination).toMatchObject({ 'current-page': 4, 'page-size': 2 });
      expect(beyond.meta.pagination['total-count']).toBeGreaterThan(0);
    });

    it('400 for an include not offered; 404 for a non-member', async () => {
      const res = await get('/api/v2/organizations/acme/teams?include=organization', ada);
      expect(res.statusCode).toBe(400);
      expect(res.json().errors[0].detail).toBe('Invalid include parameter: organization');
      expect((await get('/api/v2/organizations/acme/teams', eve)).statusCode).toBe(404);
    });
  });

  describe('GET/PATCH/DELETE /teams/:id', () => {
    it('include=users,organization-memberships side-loads both, matched by type and id', async () => {
      fx.state.membership.teams.get(dev.id)!.memberIds.add(invited.id);
      const res = await get(`/api/v2/teams/${dev.id}?include=users%2Corganization-memberships`, ada);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      const index = includedIndex(body);
      // Invited members are memberships of the team, not users of it.
      expect(body.data.relationships.users.data).toEqual([{ type: 'users', id: bob.id }]);
      expect(body.data.relationships['organization-memberships'].data).toHaveLength(2);
      for (const r of [
        ...body.data.relationships.users.data,
        ...body.data.relationships['organization-memberships'].data,
      ])
        expect(index.has(`${r.type},${r.id}`)).toBe(true);
      expect(lastCall(fx.state, MEMBERSHIP.getTeam)).toMatchObject({
        teamId: dev.id,
        include: ['users', 'memberships'],
      });
      expect(index.get(`organization-memberships,${invited.id}`)).toMatchObject({
        attributes: { status: 'invited', email: 'dana@example.com' },
      });
      fx.state.membership.teams.get(dev.id)!.memberIds.delete(invited.id);
    });

    it('404 for an unknown team, a secret one I cannot see, an impossible id; 400 for a bad include', async () => {
      expect((await get('/api/v2/teams/team-nope', ada)).statusCode).toBe(404);
      const hidden = fx.state.membership.teamNamed(acme, 'hidden')!;
      expect((await get(`/api/v2/teams/${hidden.id}`, bob)).json()).toEqual({
        errors: [{ status: '404', title: 'not found' }],
      });
      expect((await get('/api/v2/teams/team%20x', ada)).statusCode).toBe(404);
      expect((await get(`/api/v2/teams/${dev.id}?include=user`, ada)).statusCode).toBe(400);
    });

    it("PATCH renames and changes flags; the owners team's name is protected (422)", async () => {
      const res = await send('PATCH', `/api/v2/teams/${dev.id}`, ada, {
        data: {
          type: 'teams',
          attributes: { name: 'developers', 'organization-access': { 'read-workspaces': true } },
        },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().data.attributes).toMatchObject({
        name: 'developers',
        'organization-access': { 'read-workspaces': true },
      });
      expect(lastCall(fx.state, MEMBERSHIP.updateTeam)).toMatchObject({
        teamId: dev.id,
        name: 'developers',
        organizationAccess: { readWorkspaces: true },
      });
      const protectedName = await send('PATCH', `/api/v2/teams/${owners.id}`, ada, {
        data: { type: 'teams', attributes: { name: 'bosses' } },
      });
      expect(protectedName.statusCode).toBe(422);
      expect(protectedName.json().errors[0].code).toBe('TEAM.INVALID_OWNERS_TEAM_CHANGE');
      const forbidden = await send('PATCH', `/api/v2/teams/${dev.id}`, bob, {
        data: { type: 'teams', attributes: { visibility: 'secret' } },
      });
      expect(forbidden.statusCode).toBe(403);
      expect(forbidden.json().errors[0].detail).toBe('You may not change this team');
    });

    it('DELETE 204, then 404; the owners team cannot be deleted', async () => {
      const qa = fx.state.membership.addTeam(acme, 'temp');
      const res = await send('DELETE', `/api/v2/teams/${qa.id}`, ada);
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      expect((await get(`/api/v2/teams/${qa.id}`, ada)).statusCode).toBe(404);
      expect((await send('DELETE', `/api/v2/teams/${owners.id}`, ada)).statusCode).toBe(422);
    });
  });

  describe('team membership (TFC-API §9)', () => {
    const users = (...ids: string[]) => ({ data: ids.map((id) => ({ type: 'users', id })) });
    const memberships = (...ids: string[]) => ({
      data: ids.map((id) => ({ type: 'organization-memberships', id })),
    });

    it('POST users by username: 204, empty body; the team then lists them; DELETE with a body removes', async () => {
      const add = await send('POST', `/api/v2/teams/${dev.id}/relationships/users`, ada, users('cyd'));
      expect(add.statusCode).toBe(204);
      expect(add.body).toBe('');
      expect(lastCall(fx.state, MEMBERSHIP.addTeamMembers)).toEqual({
        teamId: dev.id,
        usernames: ['cyd'],
        meta: expect.objectContaining({ actor: { kind: 'user', id: ada.id } }),
      });
      const team = (await get(`/api/v2/teams/${dev.id}`, ada)).json().data;
      expect(team.relationships.users.data).toEqual(
        expect.arrayContaining([
          { type: 'users', id: bob.id },
          { type: 'users', id: cyd.id },
        ]),
      );
      expect(team.attributes['users-count']).toBe(2);

      const removed = await send('DELETE', `/api/v2/teams/${dev.id}/relationships/users`, ada, users(cyd.id));
      expect(removed.statusCode).toBe(204);
      expect(lastCall(fx.state, MEMBERSHIP.removeTeamMembers)).toMatchObject({ usernames: [cyd.id] });
      expect((await get(`/api/v2/teams/${dev.id}`, ada)).json().data.attributes['users-count']).toBe(1);
    });

    it('400 (TEAM.INVALID_MEMBERS) for a user not in the organization or not on the team', async () => {
      const stranger = await send('POST', `/api/v2/teams/${dev.id}/relationships/users`, ada, users('eve'));
      expect(stranger.statusCode).toBe(400);
      expect(stranger.json().errors).toEqual([
        {
          status: '400',
          title: 'bad request',
          detail: 'eve is not a member of the organization',
          code: 'TEAM.INVALID_MEMBERS',
        },
      ]);
      const notOn = await send('DELETE', `/api/v2/teams/${dev.id}/relationships/users`, ada, users('cyd'));
      expect(notOn.statusCode).toBe(400);
    });

    it('the last owner cannot be removed from owners (403)', async () => {
      const res = await send('DELETE', `/api/v2/teams/${owners.id}/relationships/users`, ada, users('ada'));
      expect(res.statusCode).toBe(403);
      expect(res.json().errors[0].detail).toMatch(/last owner/);
    });

    it('body validation: data not a list 400, wrong type or bad id 422 per item, empty 422, duplicates sent once', async () => {
      const url = `/api/v2/teams/${dev.id}/relationships/users`;
      expect((await send('POST', url, ada, { data: { type: 'users', id: 'cyd' } })).statusCode).toBe(400);
      expect((await send('POST', url, ada)).statusCode).toBe(400);
      const bad = await send('POST', url, ada, {
        data: [
          { type: 'teams', id: 'x' },
          { type: 'users', id: 'no spaces' },
        ],
      });
      expect(bad.statusCode).toBe(422);
      expect(bad.json().errors.map((e: { source: { pointer: string } }) => e.source.pointer)).toEqual([
        '/data/0/type',
        '/data/1/id',
      ]);
      expect((await send('POST', url, ada, { data: [] })).statusCode).toBe(422);
      const tooMany = users(...Array.from({ length: 101 }, (_, i) => `u${i}`));
      expect((await send('POST', url, ada, tooMany)).statusCode).toBe(422);
      expect((await send('POST', url, ada, users('cyd', 'cyd'))).statusCode).toBe(204);
      expect(lastCall(fx.state, MEMBERSHIP.addTeamMembers).usernames).toEqual(['cyd']);
      await send('DELETE', url, ada, users('cyd'));
    });

    it('organization-memberships variant: an invitation joins a team; the relationship list pages with filter[status]', async () => {
      const add = await send(
        'POST',
        `/api/v2/teams/${dev.id}/relationships/organization-memberships`,
        ada,
        memberships(invited.id),
      );
      expect(add.statusCode).toBe(204);
      expect(lastCall(fx.state, MEMBERSHIP.addTeamMembers)).toMatchObject({ membershipIds: [invited.id] });

      const url = `/api/v2/teams/${dev.id}/relationships/organization-memberships`;
      const list = await get(`${url}?filter%5Bstatus%5D=invited&include=user`, ada);
      expect(list.statusCode).toBe(200);
      const body = list.json();
      expect(body.data.map((m: { id: string }) => m.id)).toEqual([invited.id]);
      expect(body.data[0].type).toBe('organization-memberships');
      expect(body.meta.pagination).toMatchObject({ 'current-page': 1, 'total-count': 1 });
      expect(body.meta).not.toHaveProperty('status-counts');
      expect(lastCall(fx.state, MEMBERSHIP.listTeamMemberships)).toMatchObject({
        teamId: dev.id,
        status: 'invited',
        page: { number: 1, size: 20 },
        include: ['users'],
      });
      expect((await get(`${url}?filter%5Bstatus%5D=inactive`, ada)).statusCode).toBe(400);

      const removed = await send('DELETE', url, ada, memberships(invited.id));
      expect(removed.statusCode).toBe(204);
      expect((await get(url, ada)).json().data.map((m: { id: string }) => m.id)).not.toContain(invited.id);
      const wrongType = await send('POST', url, ada, users('bob'));
      expect(wrongType.statusCode).toBe(422);
    });
  });
});
