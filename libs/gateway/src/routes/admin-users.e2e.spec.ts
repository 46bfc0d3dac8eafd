import { IDENTITY, IMPERSONATION, MEMBERSHIP } from '@idp/contracts';
import { FakeAdminHandlers } from '../testing/fake-admin';
import {
  createGatewayAppWithFakeServices,
  type FakeAccount,
  type FakeServicesApp,
} from '../testing/fake-services';

const PASSWORD = 'correct horse battery';
const JSON_TYPE = { 'content-type': 'application/json' };

/**
 * The TFE admin users API at the gateway (TFC-API §10) over fake identity, membership and token services: the
 * authorization matrix of every admin endpoint (anonymous 401, non-admin 404, admin allowed), the JSON:API shapes,
 * the refusals, and the impersonation plumbing (`meta.actor` of every bus message while impersonating).
 */
describe('admin users API (TFC-API §10)', () => {
  let fx: FakeServicesApp;
  let root: FakeAccount;
  let rootToken: string;
  let ada: FakeAccount;
  let adaToken: string;

  const session = (account: FakeAccount) => fx.state.startSession(account.id).token;
  const call = (method: string, url: string, token?: string, payload?: unknown) =>
    fx.app.inject({
      method: method as 'GET',
      url,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(payload ? JSON_TYPE : {}) },
      ...(payload !== undefined ? { payload: JSON.stringify(payload) } : {}),
    });

  beforeAll(async () => {
    fx = await createGatewayAppWithFakeServices({ controllers: [FakeAdminHandlers] });
    root = fx.state.addAccount({
      username: 'root',
      email: 'root@example.com',
      password: PASSWORD,
      isAdmin: true,
    });
    ada = fx.state.addAccount({ username: 'ada', email: 'ada@example.com', password: PASSWORD });
    rootToken = session(root);
    adaToken = session(ada);
  });
  afterAll(() => fx.close());

  describe('authorization matrix: every admin endpoint × caller', () => {
    // A fresh target per row, so that the admin cell of a mutating endpoint can succeed.
    type Row = { name: string; request: (target: FakeAccount) => [string, string, unknown?]; admin: number };
    const ROWS: Row[] = [
      { name: 'GET /admin/users', request: () => ['GET', '/api/v2/admin/users'], admin: 200 },
      {
        name: 'DELETE /admin/users/:id',
        request: (t) => ['DELETE', `/api/v2/admin/users/${t.id}`],
        admin: 204,
      },
      ...(['suspend', 'grant_admin'] as const).map((action) => ({
        name: `POST /admin/users/:id/actions/${action}`,
        request: (t: FakeAccount): [string, string] => [
          'POST',
          `/api/v2/admin/users/${t.id}/actions/${action}`,
        ],
        admin: 200,
      })),
      {
        name: 'POST /admin/users/:id/actions/unsuspend',
        request: (t) => {
          t.isSuspended = true;
          return ['POST', `/api/v2/admin/users/${t.id}/actions/unsuspend`];
        },
        admin: 200,
      },
      {
        name: 'POST /admin/users/:id/actions/revoke_admin',
        request: (t) => {
          t.isAdmin = true;
          return ['POST', `/api/v2/admin/users/${t.id}/actions/revoke_admin`];
        },
        admin: 200,
      },
      {
        name: 'POST /admin/users/:id/actions/disable_two_factor',
        request: (t) => {
          t.twoFactor = { enabled: true, verified: true };
          return ['POST', `/api/v2/admin/users/${t.id}/actions/disable_two_factor`];
        },
        admin: 200,
      },
      {
        name: 'POST /admin/users/:id/actions/impersonate',
        request: (t) => ['POST', `/api/v2/admin/users/${t.id}/actions/impersonate`, { reason: 'matrix' }],
        admin: 204,
      },
      {
        name: 'POST /admin/users/actions/unimpersonate',
        // The admin cell is an admin who is not impersonating: 400 (only an impersonation session can return).
        request: () => ['POST', '/api/v2/admin/users/actions/unimpersonate'],
        admin: 400,
      },
    ];
    const CALLERS = ['anonymous', 'non-admin', 'site admin'] as const;

    it('answers every cell as the table says (anonymous 401, non-admin 404, admin allowed)', async () => {
      const table: string[] = [`| endpoint | ${CALLERS.join(' | ')} |`, `| --- | --- | --- | --- |`];
      const failures: string[] = [];
      for (const row of ROWS) {
        const cells: string[] = [];
        for (const caller of CALLERS) {
          const target = fx.state.addAccount({
            username: `t-${Math.random().toString(36).slice(2, 10)}`,
            email: `t-${Math.random().toString(36).slice(2, 10)}@example.com`,
            password: PASSWORD,
          });
          const [method, url, body] = row.request(target);
          // A fresh admin session per cell: impersonating replaces nothing here, but keeps cells independent.
          const token =
            caller === 'anonymous' ? undefined : caller === 'non-admin' ? adaToken : session(root);
          const expected = caller === 'anonymous' ? 401 : caller === 'non-admin' ? 404 : row.admin;
          const res = await call(method, url, token, body);
          cells.push(`${res.statusCode}${res.statusCode === expected ? '' : ` (expected ${expected})`}`);
          if (res.statusCode !== expected)
            failures.push(`${row.name} as ${caller}: ${res.statusCode} ${res.body}`);
          if (caller === 'non-admin' && res.statusCode === 404)
            expect(res.json()).toEqual({ errors: [{ status: '404', title: 'not found' }] });
        }
        table.push(`| ${row.name} | ${cells.join(' | ')} |`);
      }
      process.stdout.write(`${table.join('\n')}\n`);
      expect(failures).toEqual([]);
      // The non-admin changed nothing: ada is still no admin and not suspended.
      expect(fx.state.accounts.get(ada.id)).toMatchObject({ isAdmin: false, isSuspended: false });
      // The admin cells made targets admins: root is the only one again for the tests below.
      for (const account of fx.state.accounts.values()) if (account.id !== root.id) account.isAdmin = false;
    });

    it('an organization token has no admin API: 404 before any service is asked', async () => {
      fx.state.verifyReply = () => ({
        kind: 'organization-token',
        tokenId: 'at-org',
        organizationId: 'org-abc',
        organizationName: 'acme',
        tokenKind: 'organization',
        expiresAt: null,
      });
      try {
        const before = fx.state.calls.length;
        for (const [method, url] of [
          ['GET', '/api/v2/admin/users'],
          ['POST', `/api/v2/admin/users/${ada.id}/actions/suspend`],
          ['POST', `/api/v2/admin/users/${ada.id}/actions/impersonate`],
          ['POST', '/api/v2/admin/users/actions/unimpersonate'],
        ] as const) {
          const res = await call(
            method,
            url,
            'an-organization-token',
            method === 'POST' ? { reason: 'x' } : undefined,
          );
          // The list and the actions ask identity (which refuses the organization actor); the impersonation routes do not ask at all.
          expect(res.statusCode).toBe(404);
        }
        const asked = fx.state.calls.slice(before).filter((c) => c.pattern.startsWith('identity.admin'));
        expect(
          asked.every((c) => (c.payload.meta as { actor?: { kind: string } }).actor?.kind === 'organization'),
        ).toBe(true);
      } finally {
        fx.state.verifyReply = undefined;
      }
    });
  });

  describe('GET /api/v2/admin/users', () => {
    it('the admin projection, q and filters to identity, pagination and status counts', async () => {
      const res = await call('GET', '/api/v2/admin/users?q=ada&filter[admin]=false&page[size]=5', rootToken);
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      const body = res.json();
      expect(body.data).toHaveLength(1);
      expect(body.data[0]).toMatchObject({
        type: 'users',
        id: ada.id,
        attributes: {
          username: 'ada',
          email: 'ada@example.com',
          'is-admin': false,
          'is-site-auditor': false,
          'is-suspended': false,
          'is-service-account': false,
          'two-factor': { enabled: false, verified: false },
          'avatar-url': expect.any(String),
        },
        links: { self: `/api/v2/users/${ada.id}` },
      });
      expect(body.meta.pagination).toMatchObject({ 'current-page': 1, 'page-size': 5, 'total-count': 1 });
      expect(Object.keys(body.meta['status-counts']).sort()).toEqual(['admin', 'suspended', 'total']);
      const [sent] = fx.state.callsOf(IDENTITY.adminListUsers).slice(-1);
      expect(sent.payload).toMatchObject({ q: 'ada', admin: false, pageNumber: 1, pageSize: 5 });
      expect(sent.payload).not.toHaveProperty('suspended');
    });

    it('400 for a filter that is not true/false and for an unknown include', async () => {
      const bad = await call('GET', '/api/v2/admin/users?filter[suspended]=yes', rootToken);
      expect(bad.statusCode).toBe(400);
      expect(bad.json().errors[0].source).toEqual({ parameter: 'filter[suspended]' });
      const include = await call('GET', '/api/v2/admin/users?include=teams', rootToken);
      expect(include.statusCode).toBe(400);
      expect(include.json().errors[0].detail).toBe('Invalid include parameter: teams');
    });

    it('bad input is a 400 naming the parameter, never a 500', async () => {
      for (const [query, parameter] of [
        [`q=${'x'.repeat(257)}`, 'q'],
        ['page[number]=abc', 'page[number]'],
        ['page[size]=0', 'page[size]'],
        ['filter[admin]=1', 'filter[admin]'],
      ]) {
        const res = await call('GET', `/api/v2/admin/users?${query}`, rootToken);
        expect(res.statusCode).toBe(400);
        expect(res.json().errors[0].source).toEqual({ parameter });
      }
      const url = `/api/v2/admin/users/${ada.id}/actions/impersonate`;
      for (const body of [['reason'], { reason: 42 }, { reason: 'x'.repeat(1001) }, 'just text'])
        expect((await call('POST', url, session(root), body)).statusCode).toBe(400);
      const plain = await fx.app.inject({
        method: 'POST',
        url,
        headers: { authorization: `Bearer ${session(root)}`, 'content-type': 'text/plain' },
        payload: 'reason',
      });
      expect(plain.statusCode).toBe(415);
    });

    it('include=organizations: the relationship names the organizations (ids = names)', async () => {
      const owner = fx.state.addAccount({
        username: 'owner1',
        email: 'owner1@example.com',
        password: PASSWORD,
      });
      const ownerToken = session(owner);
      const org = await call('POST', '/api/v2/organizations', ownerToken, {
        data: { type: 'organizations', attributes: { name: 'acme', email: 'owner1@example.com' } },
      });
      expect(org.statusCode).toBe(201);
      const res = await call('GET', '/api/v2/admin/users?q=owner1&include=organizations', rootToken);
      expect(res.statusCode).toBe(200);
      expect(res.json().data[0].relationships.organizations.data).toEqual([
        { type: 'organizations', id: 'acme' },
      ]);
      expect(res.json().included).toEqual([
        {
          type: 'organizations',
          id: 'acme',
          attributes: { name: 'acme' },
          links: { self: '/api/v2/organizations/acme' },
        },
      ]);
      const without = await call('GET', '/api/v2/admin/users?q=owner1', rootToken);
      expect(without.json().included).toBeUndefined();
    });
  });

  describe('actions', () => {
    it('suspend → 200 is-suspended, 400 again, and the user is refused at the very next request', async () => {
      const bob = fx.state.addAccount({ username: 'bob', email: 'bob@example.com', password: PASSWORD });
      const bobToken = session(bob);
      expect((await call('GET', '/api/v2/account/details', bobToken)).statusCode).toBe(200); // cached now
      const res = await call('POST', `/api/v2/admin/users/${bob.id}/actions/suspend`, rootToken);
      expect(res.statusCode).toBe(200);
      expect(res.json().data.attributes['is-suspended']).toBe(true);
      expect((await call('GET', '/api/v2/account/details', bobToken)).statusCode).toBe(401);
      const again = await call('POST', `/api/v2/admin/users/${bob.id}/actions/suspend`, rootToken);
      expect(again.statusCode).toBe(400);
      expect(again.json().errors[0]).toMatchObject({ status: '400', detail: 'user is already suspended' });
      const back = await call('POST', `/api/v2/admin/users/${bob.id}/actions/unsuspend`, rootToken);
      expect(back.statusCode).toBe(200);
      expect(back.json().data.attributes['is-suspended']).toBe(false);
      // The fake token service never ended bob's session: unsuspended, it verifies again at once.
      expect((await call('GET', '/api/v2/account/details', bobToken)).statusCode).toBe(200);
    });

    it('the last site admin cannot revoke their own admin flag (422); an unknown id or a bad id is 404', async () => {
      const res = await call('POST', `/api/v2/admin/users/${root.id}/actions/revoke_admin`, rootToken);
      expect(res.statusCode).toBe(422);
      expect(res.json().errors[0].code).toBe('ACCOUNT.LAST_SITE_ADMIN');
      expect(
        (await call('POST', '/api/v2/admin/users/user-nope/actions/suspend', rootToken)).statusCode,
      ).toBe(404);
      expect((await call('POST', '/api/v2/admin/users/a%20b/actions/suspend', rootToken)).statusCode).toBe(
        404,
      );
      expect(
        (await call('POST', `/api/v2/admin/users/${ada.id}/actions/explode`, rootToken)).statusCode,
      ).toBe(404);
    });

    it('disable_two_factor: 400 when the user has no 2FA', async () => {
      const res = await call('POST', `/api/v2/admin/users/${ada.id}/actions/disable_two_factor`, rootToken);
      expect(res.statusCode).toBe(400);
    });

    it('DELETE refuses the sole owner of an organization (422, nothing deleted), asking membership as the system', async () => {
      const carol = fx.state.addAccount({
        username: 'carol',
        email: 'carol@example.com',
        password: PASSWORD,
      });
      const org = await call('POST', '/api/v2/organizations', session(carol), {
        data: { type: 'organizations', attributes: { name: 'carols', email: 'carol@example.com' } },
      });
      expect(org.statusCode).toBe(201);
      const res = await call('DELETE', `/api/v2/admin/users/${carol.id}`, rootToken);
      expect(res.statusCode).toBe(422);
      expect(res.json().errors[0].detail).toContain('carols');
      expect(fx.state.accounts.has(carol.id)).toBe(true);
      const [asked] = fx.state.callsOf(MEMBERSHIP.userOwnerships).slice(-1);
      expect(asked.payload.meta).toMatchObject({ actor: { kind: 'system', id: 'gateway' } });
    });
  });

  describe('impersonation', () => {
    it('reason required (400), never oneself (403); then every request carries the impersonator and reason', async () => {
      const admin = session(root);
      const url = `/api/v2/admin/users/${ada.id}/actions/impersonate`;
      expect((await call('POST', url, admin, {})).statusCode).toBe(400);
      expect((await call('POST', url, admin, { reason: '   ' })).statusCode).toBe(400);
      expect(
        (await call('POST', `/api/v2/admin/users/${root.id}/actions/impersonate`, admin, { reason: 'x' }))
          .statusCode,
      ).toBe(403);

      const res = await call('POST', url, admin, { reason: 'ticket 7' });
      expect(res.statusCode).toBe(204);
      const cookie = String(res.headers['set-cookie']);
      const token = /^idp_session=([^;]+);/.exec(cookie)?.[1];
      expect(token).toBeDefined();
      const [started] = fx.state.callsOf(IMPERSONATION.start).slice(-1);
      expect(started.payload).toMatchObject({ adminUserId: root.id, userId: ada.id, reason: 'ticket 7' });

      const details = await fx.app.inject({
        method: 'GET',
        url: '/api/v2/account/details',
        headers: { cookie: `idp_session=${token}` },
      });
      expect(details.statusCode).toBe(200);
      expect(details.json().data.id).toBe(ada.id);
      expect(details.json().meta).toEqual({
        impersonation: { 'impersonator-id': root.id, reason: 'ticket 7' },
      });
      const [asked] = fx.state.callsOf(IDENTITY.getAccount).slice(-1);
      expect(asked.payload.meta).toMatchObject({
        actor: { kind: 'user', id: ada.id, impersonatorId: root.id, impersonationReason: 'ticket 7' },
      });

      const sessions = await call('GET', '/api/v2/account/sessions', token);
      const current = sessions
        .json()
        .data.find((s: { attributes: { current: boolean } }) => s.attributes.current);
      expect(current.attributes).toMatchObject({
        'impersonator-id': root.id,
        'impersonation-reason': 'ticket 7',
      });

      // Never while already impersonating (403), and the admin API is ada's while acting as ada (404).
      expect((await call('POST', url, token, { reason: 'again' })).statusCode).toBe(403);
      expect((await call('GET', '/api/v2/admin/users', token)).statusCode).toBe(404);

      const back = await call('POST', '/api/v2/admin/users/actions/unimpersonate', token);
      expect(back.statusCode).toBe(204);
      const restored = /^idp_session=([^;]+);/.exec(String(back.headers['set-cookie']))?.[1];
      expect(restored).toBeDefined();
      expect(restored).not.toBe(token);
      expect((await call('GET', '/api/v2/account/details', token)).statusCode).toBe(401);
      const mine = await call('GET', '/api/v2/account/details', restored);
      expect(mine.statusCode).toBe(200);
      expect(mine.json().data.id).toBe(root.id);
      expect(mine.json()).not.toHaveProperty('meta');
    });

    it('unimpersonate without impersonating: 400 for an admin, 404 for anyone else', async () => {
      expect((await call('POST', '/api/v2/admin/users/actions/unimpersonate', rootToken)).statusCode).toBe(
        400,
      );
      expect((await call('POST', '/api/v2/admin/users/actions/unimpersonate', adaToken)).statusCode).toBe(
        404,
      );
    });
  });
});
