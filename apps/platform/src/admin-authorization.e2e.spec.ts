import { ApiClient, bootstrapAdmin, embeddedPlatformFixture, uniqueName } from '@idp/testing';

/**
 * The admin users API's authorization matrix (TFC-API §10) against the real services of the embedded platform:
 * every admin endpoint × {anonymous, a user, an organization token, a site admin}: 401 without a credential, 404
 * for anyone but a site admin (no hint that the route or the user exists), the admin's answer otherwise. Fresh
 * targets per cell, so that the admin cell of a changing endpoint can succeed.
 */
type Caller = 'anonymous' | 'user' | 'orgToken' | 'siteAdmin';
const CALLERS: Caller[] = ['anonymous', 'user', 'orgToken', 'siteAdmin'];
const PASSWORD = 'correct horse battery staple 42';

describe('admin users authorization matrix, embedded platform over HTTP', () => {
  const platform = embeddedPlatformFixture('admin-authz', { env: { API_RATE_LIMITING_ENABLED: 'false' } });
  let api: ApiClient;
  let url: string;
  const tokens = {} as Record<Exclude<Caller, 'anonymous'>, string>;
  let adminId: string;
  const prefix = uniqueName('y').replace(/_/g, '-').toLowerCase();
  let counter = 0;

  /** A fresh user (no confirmation needed for the admin API): id and a session token. */
  const newUser = async () => {
    const username = `${prefix}-u${++counter}`;
    const created = await api.call('POST', '/api/v2/account/create', {
      data: { type: 'users', attributes: { username, email: `${username}@example.org`, password: PASSWORD } },
    });
    expect(created.status).toBe(201);
    const session = await api.call('POST', '/api/v2/session', {
      data: { type: 'sessions', attributes: { login: username, password: PASSWORD } },
    });
    expect(session.status).toBe(201);
    return { id: created.json.data.id as string, token: session.json.data.attributes.token as string };
  };

  beforeAll(async () => {
    url = platform.url;
    api = new ApiClient(url);
    const admin = await bootstrapAdmin(url, `${prefix}-root`);
    tokens.siteAdmin = admin.token;
    adminId = admin.userId;
    const user = await newUser();
    tokens.user = user.token;
    // An organization token of the ordinary user's organization.
    const org = `${prefix}-org`;
    const created = await api.call(
      'POST',
      '/api/v2/organizations',
      { data: { type: 'organizations', attributes: { name: org, email: `${prefix}@example.org` } } },
      user.token,
    );
    expect(created.status).toBe(201);
    const orgToken = await api.call(
      'POST',
      `/api/v2/organizations/${org}/authentication-token`,
      undefined,
      user.token,
    );
    expect(orgToken.status).toBe(201);
    tokens.orgToken = orgToken.json.data.attributes.token as string;
  }, 120_000);

  afterAll(async () => {
    if (platform.started) expect(await platform.stop()).toBe(0);
  });

  interface Row {
    name: string;
    /** The request for one caller, and the credential it uses (default: the caller's own). */
    request: (caller: Caller) => Promise<{ method: string; path: string; body?: unknown; token?: string }>;
    admin: number;
  }
  const action = (name: string) => async () => {
    const target = await newUser();
    return { method: 'POST', path: `/api/v2/admin/users/${target.id}/actions/${name}` };
  };
  const rows: Row[] = [
    {
      name: 'GET /admin/users',
      request: async () => ({ method: 'GET', path: '/api/v2/admin/users' }),
      admin: 200,
    },
    {
      name: 'DELETE /admin/users/:id',
      request: async () => ({ method: 'DELETE', path: `/api/v2/admin/users/${(await newUser()).id}` }),
      admin: 204,
    },
    { name: 'POST …/:id/actions/suspend', request: action('suspend'), admin: 200 },
    {
      name: 'POST …/:id/actions/unsuspend',
      request: async (caller) => {
        const target = await newUser();
        if (caller === 'siteAdmin')
          expect(
            (
              await api.call(
                'POST',
                `/api/v2/admin/users/${target.id}/actions/suspend`,
                undefined,
                tokens.siteAdmin,
              )
            ).status,
          ).toBe(200);
        return { method: 'POST', path: `/api/v2/admin/users/${target.id}/actions/unsuspend` };
      },
      admin: 200,
    },
    { name: 'POST …/:id/actions/grant_admin', request: action('grant_admin'), admin: 200 },
    {
      name: 'POST …/:id/actions/revoke_admin',
      request: async (caller) => {
        const target = await newUser();
        if (caller === 'siteAdmin')
          expect(
            (
              await api.call(
                'POST',
                `/api/v2/admin/users/${target.id}/actions/grant_admin`,
                undefined,
                tokens.siteAdmin,
              )
            ).status,
          ).toBe(200);
        return { method: 'POST', path: `/api/v2/admin/users/${target.id}/actions/revoke_admin` };
      },
      admin: 200,
    },
    // No user here has 2FA: past authorization, the admin gets the documented 400 (2FA not enabled).
    { name: 'POST …/:id/actions/disable_two_factor', request: action('disable_two_factor'), admin: 400 },
    {
      name: 'POST …/:id/actions/impersonate',
      request: async () => ({
        method: 'POST',
        path: `/api/v2/admin/users/${(await newUser()).id}/actions/impersonate`,
        body: { reason: 'authorization matrix' },
      }),
      admin: 204,
    },
    {
      name: 'POST /admin/users/actions/unimpersonate',
      // The admin cell returns from an impersonation started for it (with a fresh admin session: returning
      // replaces the session the impersonation started from).
      request: async (caller) => {
        if (caller !== 'siteAdmin')
          return { method: 'POST', path: '/api/v2/admin/users/actions/unimpersonate' };
        const login = await api.call('POST', '/api/v2/session', {
          data: { type: 'sessions', attributes: { login: `${prefix}-root`, password: PASSWORD } },
        });
        const adminSession = login.json.data.attributes.token as string;
        const started = await fetch(`${url}/api/v2/admin/users/${(await newUser()).id}/actions/impersonate`, {
          method: 'POST',
          headers: { authorization: `Bearer ${adminSession}`, 'content-type': 'application/json' },
          body: JSON.stringify({ reason: 'matrix' }),
        });
        expect(started.status).toBe(204);
        const token = /idp_session=([^;]+);/.exec(started.headers.get('set-cookie') ?? '')?.[1];
        return { method: 'POST', path: '/api/v2/admin/users/actions/unimpersonate', token };
      },
      admin: 204,
    },
  ];

  it('answers every endpoint × caller cell: 401 anonymous, 404 for anyone but a site admin, the admin answer', async () => {
    const mismatches: string[] = [];
    const table: string[] = [
      `| endpoint | ${CALLERS.join(' | ')} |`,
      `| --- | ${CALLERS.map(() => '---').join(' | ')} |`,
    ];
    for (const row of rows) {
      const cells: string[] = [];
      for (const caller of CALLERS) {
        const { method, path, body, token } = await row.request(caller);
        const credential = token ?? (caller === 'anonymous' ? undefined : tokens[caller]);
        const res = await (body !== undefined
          ? fetch(`${url}${path}`, {
              method,
              headers: {
                ...(credential ? { authorization: `Bearer ${credential}` } : {}),
                'content-type': 'application/json',
              },
              body: JSON.stringify(body),
            }).then(async (r) => ({ status: r.status, json: r.status === 204 ? undefined : await r.json() }))
          : api.call(method, path, undefined, credential));
        const expected = caller === 'anonymous' ? 401 : caller === 'siteAdmin' ? row.admin : 404;
        cells.push(String(res.status));
        if (res.status !== expected)
          mismatches.push(`${row.name} as ${caller}: ${res.status}, expected ${expected}`);
        if (res.status === 404) expect(res.json).toEqual({ errors: [{ status: '404', title: 'not found' }] });
      }
      table.push(`| ${row.name} | ${cells.join(' | ')} |`);
    }
    process.stdout.write(`${table.join('\n')}\n`);
    expect(mismatches).toEqual([]);
    // The site admin is still the one admin, and still one: nothing a non-admin sent changed anything.
    const admins = await api.call(
      'GET',
      '/api/v2/admin/users?filter[admin]=true',
      undefined,
      tokens.siteAdmin,
    );
    expect(admins.json.data.map((u: { id: string }) => u.id)).toContain(adminId);
  }, 240_000);
});
