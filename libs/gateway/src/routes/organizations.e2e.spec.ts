import { MEMBERSHIP } from '@idp/contracts';
import { TIMESTAMP_PATTERN } from '../jsonapi/timestamp';
import { createGatewayAppWithFakeServices, type FakeServicesApp } from '../testing/fake-services';
import {
  includedIndex,
  JSON_API,
  lastCall,
  signedIn,
  type SignedInUser,
} from '../testing/membership-fixtures';
import { leakCheckedInject } from '../testing/leak-check';

/** Every `permissions` key go-tfe parses on an organization (TFC-API §6.2). */
const GO_TFE_PERMISSIONS = [
  'can-create-team',
  'can-create-workspace',
  'can-create-workspace-migration',
  'can-deploy-no-code-modules',
  'can-destroy',
  'can-manage-auditing',
  'can-manage-no-code-modules',
  'can-manage-run-tasks',
  'can-traverse',
  'can-update',
  'can-update-api-token',
  'can-update-oauth',
  'can-update-sentinel',
  'can-update-hyok-configuration',
  'can-view-hyok-feature-info',
  'can-enable-stacks',
  'can-create-project',
];

const BOOLEAN_ATTRIBUTES = [
  'two-factor-conformant',
  'saml-enabled',
  'is-unified',
  'user-tokens-enabled',
  'max-ttl-enabled',
  'cost-estimation-enabled',
  'send-passing-statuses-for-untriggered-speculative-plans',
  'aggregated-commit-status-enabled',
  'speculative-plan-management-enabled',
  'assessments-enforced',
  'allow-force-delete-workspaces',
  'stacks-enabled',
  'plan-expired',
  'plan-is-trial',
  'plan-is-enterprise',
];

describe('organizations: /api/v2/organizations', () => {
  let fx: FakeServicesApp;
  let call: ReturnType<typeof leakCheckedInject>;
  let ada: SignedInUser;
  let bob: SignedInUser;
  let eve: SignedInUser;

  beforeAll(async () => {
    fx = await createGatewayAppWithFakeServices();
    call = leakCheckedInject(fx.app, fx.state);
    ada = signedIn(fx.state, 'ada');
    bob = signedIn(fx.state, 'bob');
    eve = signedIn(fx.state, 'eve');
    const m = fx.state.membership;
    // ada owns acme and zeta; bob is a plain member of acme; eve belongs nowhere.
    const acme = m.createOrganization('acme', 'billing@acme.example', ada.id);
    m.createOrganization('zeta', 'ops@zeta.example', ada.id);
    m.join(acme, bob.id);
  });
  afterAll(() => fx?.close());

  const get = (url: string, as?: SignedInUser) => call({ method: 'GET', url, headers: { ...as?.auth } });
  const send = (method: 'POST' | 'PATCH', url: string, as: SignedInUser, payload: unknown) =>
    call({ method, url, headers: { ...JSON_API, ...as.auth }, payload: payload as Record<string, unknown> });

  it('401 without a credential on every route, before any service is asked', async () => {
    const before = fx.state.calls.filter((c) => c.pattern.startsWith('membership.')).length;
    for (const [method, url] of [
      ['GET', '/api/v2/organizations'],
      ['POST', '/api/v2/organizations'],
      ['GET', '/api/v2/organizations/acme'],
      ['PATCH', '/api/v2/organizations/acme'],
      ['DELETE', '/api/v2/organizations/acme'],
      ['GET', '/api/v2/organizations/acme/entitlement-set'],
    ] as const) {
      const res = await call({ method, url, headers: JSON_API });
      expect({ method, url, status: res.statusCode }).toEqual({ method, url, status: 401 });
      expect(res.json()).toEqual({ errors: [{ status: '401', title: 'unauthorized' }] });
    }
    expect(fx.state.calls.filter((c) => c.pattern.startsWith('membership.')).length).toBe(before);
  });

  describe('POST /organizations', () => {
    it("201 in go-tfe's shape, the entitlement set included, meta.actor sent", async () => {
      const res = await send('POST', '/api/v2/organizations', ada, {
        data: {
          type: 'organizations',
          attributes: {
            name: 'hooli',
            email: 'admin@hooli.example',
            'session-timeout': 60,
            'collaborator-auth-policy': 'password',
            'enforce-hyok': true, // a TFC attribute this product ignores
          },
        },
      });
      expect(res.statusCode).toBe(201);
      expect(res.headers['content-type']).toBe('application/vnd.api+json');
      expect(res.headers['cache-control']).toBe('no-store');
      const body = res.json();
      const { data } = body;
      expect(data.type).toBe('organizations');
      expect(data.id).toBe('hooli');
      expect(data.links).toEqual({ self: '/api/v2/organizations/hooli' });
      const a = data.attributes;
      expect(a).toMatchObject({
        name: 'hooli',
        email: 'admin@hooli.example',
        'session-timeout': 60,
        'session-remember': 20160,
        'collaborator-auth-policy': 'password',
        'owners-team-saml-role-id': null,
        'saml-enabled': false,
        'is-unified': false,
        'user-tokens-enabled': true,
        'default-execution-mode': 'remote',
        'plan-is-enterprise': true,
        'trial-expires-at': null,
      });
      expect(a['external-id']).toMatch(/^org-[1-9A-HJ-NP-Za-km-z]{16}$/);
      expect(a['created-at']).toMatch(TIMESTAMP_PATTERN);
      for (const key of BOOLEAN_ATTRIBUTES) expect([key, typeof a[key]]).toEqual([key, 'boolean']);
      // Every key go-tfe parses, all booleans; an owner holds all but HYOK, which this product does not have.
      for (const key of GO_TFE_PERMISSIONS)
        expect([key, a.permissions[key]]).toEqual([key, !key.includes('hyok')]);
      expect(a.permissions).toMatchObject({ 'can-manage-users': true, 'can-access-via-teams': true });

      expect(data.relationships['entitlement-set']).toEqual({
        data: { type: 'entitlement-sets', id: a['external-id'] },
        links: { related: '/api/v2/organizations/hooli/entitlement-set' },
      });
      expect(data.relationships['authentication-token']).toEqual({
        links: { related: '/api/v2/organizations/hooli/authentication-token' },
      });
      expect(data.relationships['oauth-tokens'].links.related).toBe(
        '/api/v2/organizations/hooli/oauth-tokens',
      );
      expect(data.relationships.subscription.links.related).toBe('/api/v2/organizations/hooli/subscription');

      // go-tfe finds the entitlement set in `included` by type and id.
      const set = includedIndex(body).get(`entitlement-sets,${a['external-id']}`) as {
        attributes: Record<string, unknown>;
        links: Record<string, string>;
      };
      expect(set.attributes).toMatchObject({
        operations: true,
        'state-storage': true,
        teams: true,
        agents: false,
      });
      expect(set.attributes['user-limit']).toBeNull();
      expect(set.links.self).toBe(`/api/v2/entitlement-sets/${a['external-id']}`);

      expect(lastCall(fx.state, MEMBERSHIP.createOrganization)).toMatchObject({
        name: 'hooli',
        email: 'admin@hooli.example',
        settings: { sessionTimeout: 60, collaboratorAuthPolicy: 'password' },
        meta: { actor: { kind: 'user', id: ada.id } },
      });
      expect(lastCall(fx.state, MEMBERSHIP.createOrganization).settings).not.toHaveProperty('enforceHyok');
    });

    it('422 per attribute (go-tfe sends null for unset name and email), 409 for another type', async () => {
      const res = await send('POST', '/api/v2/organizations', ada, {
        data: { type: 'organizations', attributes: { name: null, email: null, 'session-timeout': 'soon' } },
      });
      expect(res.statusCode).toBe(422);
      const errors = res
        .json()
        .errors.map((e: { detail: string; source: { pointer: string } }) => [e.source.pointer, e.detail]);
      expect(errors.sort()).toEqual([
        ['/data/attributes/email', "Email can't be blank"],
        ['/data/attributes/name', "Name can't be blank"],
        ['/data/attributes/session-timeout', 'Session timeout must be a number'],
      ]);
      const badPolicy = await send('POST', '/api/v2/organizations', ada, {
        data: {
          type: 'organizations',
          attributes: { name: 'x', email: 'x@x.io', 'collaborator-auth-policy': 'sms' },
        },
      });
      expect(badPolicy.statusCode).toBe(422);
      expect(badPolicy.json().errors[0].source).toEqual({
        pointer: '/data/attributes/collaborator-auth-policy',
      });
      // Names are capped at what the router can address (100 characters).
      const long = await send('POST', '/api/v2/organizations', ada, {
        data: { type: 'organizations', attributes: { name: 'a'.repeat(101), email: 'x@x.io' } },
      });
      expect(long.statusCode).toBe(422);
      expect(long.json().errors[0].detail).toBe('Name is too long (maximum is 100 characters)');
      const wrongType = await send('POST', '/api/v2/organizations', ada, {
        data: { type: 'teams', attributes: { name: 'x', email: 'x@x.io' } },
      });
      expect(wrongType.statusCode).toBe(409);
    });

    it("a taken name is TFC's 422 on the name; a name the service refuses points at it too", async () => {
      const taken = await send('POST', '/api/v2/organizations', ada, {
        data: { type: 'organizations', attributes: { name: 'acme', email: 'a@acme.example' } },
      });
      expect(taken.statusCode).toBe(422);
      expect(taken.json().errors).toEqual([
        {
          status: '422',
          title: 'invalid attribute',
          detail: 'Name has already been taken',
          code: 'UNIQUENESS.ORGANIZATION_TAKEN',
          source: { pointer: '/data/attributes/name' },
        },
      ]);
      const invalid = await send('POST', '/api/v2/organizations', ada, {
        data: { type: 'organizations', attributes: { name: 'has space', email: 'a@acme.example' } },
      });
      expect(invalid.statusCode).toBe(422);
      expect(invalid.json().errors[0]).toMatchObject({
        code: 'ORGANIZATION.INVALID_ATTRIBUTE',
        source: { pointer: '/data/attributes/name' },
      });
    });
  });

  describe('GET /organizations', () => {
    it('without page parameters: the whole list, no meta.pagination, no links', async () => {
      const res = await get('/api/v2/organizations', ada);
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      const body = res.json();
      expect(body.data.map((o: { id: string }) => o.id)).toEqual(['acme', 'hooli', 'zeta']);
      expect(body).not.toHaveProperty('meta');
      expect(body).not.toHaveProperty('links');
      expect(lastCall(fx.state, MEMBERSHIP.listOrganizations)).not.toHaveProperty('page');
    });

    it('with page parameters: meta.pagination and links; a page beyond the end is empty with true totals', async () => {
      const page = await get('/api/v2/organizations?page%5Bsize%5D=2', ada);
      expect(page.json().data).toHaveLength(2);
      expect(page.json().meta.pagination).toEqual({
        'current-page': 1,
        'page-size': 2,
        'prev-page': null,
        'next-page': 2,
        'total-pages': 2,
        'total-count': 3,
      });
      expect(lastCall(fx.state, MEMBERSHIP.listOrganizations).page).toEqual({ number: 1, size: 2 });
      const beyond = await get('/api/v2/organizations?page%5Bnumber%5D=9&page%5Bsize%5D=2', ada);
      expect(beyond.statusCode).toBe(200);
      expect(beyond.json().data).toEqual([]);
      expect(beyond.json().meta.pagination).toMatchObject({ 'current-page': 9, 'total-count': 3 });
    });

    it('a user in no organization gets an empty array', async () => {
      const res = await get('/api/v2/organizations', eve);
      expect(res.json()).toEqual({ data: [] });
    });

    it('q, q[name] and q[email] reach the service', async () => {
      const byQ = await get('/api/v2/organizations?q=zeta', ada);
      expect(byQ.json().data.map((o: { id: string }) => o.id)).toEqual(['zeta']);
      expect(lastCall(fx.state, MEMBERSHIP.listOrganizations)).toMatchObject({ q: 'zeta' });
      const both = await get(
        `/api/v2/organizations?q%5Bname%5D=ac&q%5Bemail%5D=${encodeURIComponent('billing@')}`,
        ada,
      );
      expect(both.json().data.map((o: { id: string }) => o.id)).toEqual(['acme']);
      expect(lastCall(fx.state, MEMBERSHIP.listOrganizations)).toMatchObject({
        qName: 'ac',
        qEmail: 'billing@',
      });
    });

    it('400 for a bad page parameter or an include', async () => {
      const page = await get('/api/v2/organizations?page%5Bnumber%5D=0', ada);
      expect(page.statusCode).toBe(400);
      expect(page.json().errors[0].source).toEqual({ parameter: 'page[number]' });
      const include = await get('/api/v2/organizations?include=subscription', ada);
      expect(include.statusCode).toBe(400);
      expect(include.json().errors[0].detail).toBe('Invalid include parameter: subscription');
    });
  });

  describe('GET /organizations/:name', () => {
    it('200 for a member; a plain member holds no owner permission', async () => {
      const res = await get('/api/v2/organizations/acme', bob);
      expect(res.statusCode).toBe(200);
      const { data } = res.json();
      expect(data.id).toBe('acme');
      expect(res.json()).not.toHaveProperty('included');
      expect(data.attributes.permissions).toMatchObject({
        'can-update': false,
        'can-destroy': false,
        'can-create-workspace': false,
        'can-traverse': true,
        'can-create-team': false,
      });
      expect(lastCall(fx.state, MEMBERSHIP.getOrganization)).toMatchObject({
        organization: 'acme',
        meta: { actor: { kind: 'user', id: bob.id } },
      });
    });

    it('include=entitlement_set side-loads the set the relationship names', async () => {
      const res = await get('/api/v2/organizations/acme?include=entitlement_set', ada);
      const body = res.json();
      const rel = body.data.relationships['entitlement-set'].data;
      expect(includedIndex(body).has(`${rel.type},${rel.id}`)).toBe(true);
    });

    it("400 for another include, with go-tfe's `include parameter` wording", async () => {
      const res = await get('/api/v2/organizations/acme?include=entitlement_set%2Cdefault-project', ada);
      expect(res.statusCode).toBe(400);
      expect(res.json().errors).toEqual([
        {
          status: '400',
          title: 'bad request',
          detail: 'Invalid include parameter: default-project',
          source: { parameter: 'include' },
        },
      ]);
    });

    it('404, bare, for a non-member and for a name that does not exist', async () => {
      for (const url of ['/api/v2/organizations/acme', '/api/v2/organizations/nope']) {
        const res = await get(url, eve);
        expect(res.statusCode).toBe(404);
        expect(res.json()).toEqual({ errors: [{ status: '404', title: 'not found' }] });
      }
      const before = fx.state.callsOf(MEMBERSHIP.getOrganization).length;
      const long = await get(`/api/v2/organizations/${'a'.repeat(300)}`, ada);
      expect(long.statusCode).toBeGreaterThanOrEqual(400);
      expect(fx.state.callsOf(MEMBERSHIP.getOrganization)).toHaveLength(before);
    });
  });

  describe('GET /organizations/:name/entitlement-set', () => {
    it('an entitlement-sets document with every flag', async () => {
      const res = await get('/api/v2/organizations/acme/entitlement-set', bob);
      expect(res.statusCode).toBe(200);
      const { data } = res.json();
      expect(data.type).toBe('entitlement-sets');
      expect(data.id).toMatch(/^org-/);
      expect(data.links.self).toBe(`/api/v2/entitlement-sets/${data.id}`);
      for (const flag of [
        'operations',
        'state-storage',
        'sso',
        'teams',
        'private-module-registry',
        'sentinel',
      ])
        expect([flag, typeof data.attributes[flag]]).toEqual([flag, 'boolean']);
      expect((await get('/api/v2/organizations/acme/entitlement-set', eve)).statusCode).toBe(404);
    });
  });

  describe('PATCH /organizations/:name', () => {
    it('updates settings; renaming changes the id and the links', async () => {
      const res = await send('PATCH', '/api/v2/organizations/zeta', ada, {
        data: {
          type: 'organizations',
          attributes: { name: 'zeta2', 'session-remember': null, 'cost-estimation-enabled': true },
        },
      });
      expect(res.statusCode).toBe(200);
      const { data } = res.json();
      expect(data.id).toBe('zeta2');
      expect(data.links.self).toBe('/api/v2/organizations/zeta2');
      expect(data.attributes).toMatchObject({ 'session-remember': null, 'cost-estimation-enabled': true });
      expect(lastCall(fx.state, MEMBERSHIP.updateOrganization)).toMatchObject({
        organization: 'zeta',
        name: 'zeta2',
        settings: { sessionRemember: null, costEstimationEnabled: true },
      });
      expect((await get('/api/v2/organizations/zeta', ada)).statusCode).toBe(404);
    });

    it('an empty attributes object sends no settings', async () => {
      const res = await send('PATCH', '/api/v2/organizations/acme', ada, { data: { type: 'organizations' } });
      expect(res.statusCode).toBe(200);
      expect(lastCall(fx.state, MEMBERSHIP.updateOrganization)).not.toHaveProperty('settings');
    });

    it("403 with the service's reason for a member who may not; 422 on the policy owners cannot meet", async () => {
      const refused = await send('PATCH', '/api/v2/organizations/acme', bob, {
        data: { type: 'organizations', attributes: { email: 'x@acme.example' } },
      });
      expect(refused.statusCode).toBe(403);
      expect(refused.json().errors[0]).toMatchObject({
        status: '403',
        title: 'forbidden',
        detail: 'Only owners can change the organization',
      });
      const policy = await send('PATCH', '/api/v2/organizations/acme', ada, {
        data: { type: 'organizations', attributes: { 'collaborator-auth-policy': 'two_factor_mandatory' } },
      });
      expect(policy.statusCode).toBe(422);
      expect(policy.json().errors[0]).toMatchObject({
        code: 'ORGANIZATION.INVALID_COLLABORATOR_AUTH_POLICY',
        source: { pointer: '/data/attributes/collaborator-auth-policy' },
      });
    });
  });

  describe('two-factor policy (collaborator-auth-policy two_factor_mandatory)', () => {
    it("403 with the code and the service's reason for a member without 2FA; back once 2FA is on", async () => {
      const tina = signedIn(fx.state, 'tina', { twoFactor: true });
      const carl = signedIn(fx.state, 'carl');
      const m = fx.state.membership;
      const fortress = m.createOrganization('fortress', 'ops@fortress.example', tina.id);
      m.join(fortress, carl.id);
      const policy = await send('PATCH', '/api/v2/organizations/fortress', tina, {
        data: { type: 'organizations', attributes: { 'collaborator-auth-policy': 'two_factor_mandatory' } },
      });
      expect(policy.statusCode).toBe(200);
      expect(policy.json().data.attributes).toMatchObject({
        'collaborator-auth-policy': 'two_factor_mandatory',
        'two-factor-conformant': true,
      });

      for (const url of [
        '/api/v2/organizations/fortress',
        '/api/v2/organizations/fortress/entitlement-set',
        '/api/v2/organizations/fortress/teams',
        '/api/v2/organizations/fortress/organization-memberships',
        '/api/v2/organizations/fortress/authentication-token',
        '/api/v2/organizations/fortress/team-tokens',
        `/api/v2/teams/${fortress.ownersTeamId}`,
        `/api/v2/teams/${fortress.ownersTeamId}/authentication-token`,
      ]) {
        const res = await get(url, carl);
        expect({ url, status: res.statusCode }).toEqual({ url, status: 403 });
        expect(res.headers['content-type']).toMatch(/application\/vnd\.api\+json/);
        expect(res.json()).toEqual({
          errors: [
            {
              status: '403',
              title: 'forbidden',
              code: 'ORGANIZATION.TWO_FACTOR_REQUIRED',
              detail: expect.stringMatching(
                /^The organization fortress requires two-factor authentication.*POST \/api\/v2\/account\/two-factor/,
              ),
            },
          ],
        });
      }
      // Their own list still shows the organization, and why (not conformant).
      const listed = await get('/api/v2/organizations', carl);
      expect(listed.statusCode).toBe(200);
      expect(listed.json().data).toEqual([
        expect.objectContaining({
          id: 'fortress',
          attributes: expect.objectContaining({
            'collaborator-auth-policy': 'two_factor_mandatory',
            'two-factor-conformant': false,
          }),
        }),
      ]);
      // An outsider still learns nothing: a bare 404.
      expect((await get('/api/v2/organizations/fortress', eve)).json()).toEqual({
        errors: [{ status: '404', title: 'not found' }],
      });

      fx.state.accounts.get(carl.id)!.twoFactor = { enabled: true, verified: true };
      const back = await get('/api/v2/organizations/fortress', carl);
      expect(back.statusCode).toBe(200);
      expect(back.json().data.attributes['two-factor-conformant']).toBe(true);
    });
  });

  describe('DELETE /organizations/:name', () => {
    it('204 with no body; gone afterwards; 404 for a non-member', async () => {
      expect(
        (await call({ method: 'DELETE', url: '/api/v2/organizations/hooli', headers: eve.auth })).statusCode,
      ).toBe(404);
      const res = await call({
        method: 'DELETE',
        url: '/api/v2/organizations/hooli',
        headers: { ...JSON_API, ...ada.auth },
      });
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      expect((await get('/api/v2/organizations/hooli', ada)).statusCode).toBe(404);
    });
  });
});
