import {
  ApiClient,
  embeddedPlatformFixture,
  invitationToken,
  signUpConfirmed,
  type TestSmtpServer,
  uniqueName,
} from '@idp/testing';

/**
 * Who may do what in an organization, over HTTP against the embedded platform: every membership endpoint × every
 * kind of caller, with the exact status each cell must answer. 401: no credential. 404: everything the caller may
 * not see or may not do (TFC answers "not found" rather than reveal what exists). 403: the explicit refusals —
 * only an owner (or the organization token) may put someone on the owners team. Site admins have no power here
 * (their power is under /admin only).
 */
type Caller = 'anonymous' | 'outsider' | 'siteAdmin' | 'member' | 'manager' | 'owner' | 'orgToken';
const CALLERS: Caller[] = ['anonymous', 'outsider', 'siteAdmin', 'member', 'manager', 'owner', 'orgToken'];

interface Row {
  name: string;
  /** Builds the request for one caller (fresh targets for calls that change or remove something). */
  request: (caller: Caller) => Promise<{ method: string; path: string; body?: unknown }>;
  expect: Record<Caller, number>;
}

const all = (status: number, overrides: Partial<Record<Caller, number>> = {}): Record<Caller, number> => ({
  ...(Object.fromEntries(CALLERS.map((c) => [c, status])) as Record<Caller, number>),
  anonymous: 401,
  ...overrides,
});

describe('membership authorization matrix, embedded platform over HTTP', () => {
  const platform = embeddedPlatformFixture('membership-authz', {
    smtp: true,
    env: { API_RATE_LIMITING_ENABLED: 'false' },
  });
  let smtp: TestSmtpServer;
  let api: ApiClient;
  const tokens = {} as Record<Exclude<Caller, 'anonymous'>, string>;
  const prefix = uniqueName('z').replace(/_/g, '-').toLowerCase();
  const org = `${prefix}-org`;
  const orgPath = `/api/v2/organizations/${org}`;
  let plainTeam: string;
  let secretTeam: string;
  let ownersTeam: string;
  let pendingMembership: string;
  let counter = 0;
  const unique = (what: string) => `${prefix}-${what}-${++counter}`;

  const call = (who: Caller, method: string, path: string, body?: unknown) =>
    api.call(method, path, body, who === 'anonymous' ? undefined : tokens[who]);
  const asOwner = (method: string, path: string, body?: unknown) => call('owner', method, path, body);

  const invite = async (email: string, teamIds: string[] = []) => {
    const res = await asOwner('POST', `${orgPath}/organization-memberships`, {
      data: {
        type: 'organization-memberships',
        attributes: { email },
        relationships: { teams: { data: teamIds.map((id) => ({ type: 'teams', id })) } },
      },
    });
    expect(res.status).toBe(201);
    return res.json.data.id as string;
  };
  const createTeam = async (attributes: Record<string, unknown>) => {
    const res = await asOwner('POST', `${orgPath}/teams`, { data: { type: 'teams', attributes } });
    expect(res.status).toBe(201);
    return res.json.data.id as string;
  };
  /** Signs up, is invited into `teamIds`, accepts by the mailed link. */
  const joinAs = async (who: string, teamIds: string[]) => {
    const user = await signUpConfirmed(api, smtp, `${prefix}-${who}`, `${prefix}-${who}@example.org`);
    await invite(user.email, teamIds);
    const mail = await smtp.waitForMail((m) => m.to.includes(user.email) && /invit/i.test(m.subject), 20_000);
    const accepted = await api.call(
      'POST',
      `/api/v2/invitations/${encodeURIComponent(invitationToken(mail.text))}/actions/accept`,
      undefined,
      user.token,
    );
    if (accepted.status !== 200)
      throw new Error(`accept: ${accepted.status} ${JSON.stringify(accepted.json)}`);
    return user.token;
  };

  beforeAll(async () => {
    smtp = platform.smtp;
    const url = platform.url;
    api = new ApiClient(url);

    // The site admin, through the initial-admin bootstrap (TFC-API §10).
    const iact = (await (await fetch(`${url}/admin/retrieve-iact`)).text()).trim();
    const admin = await fetch(`${url}/admin/initial-admin-user?token=${encodeURIComponent(iact)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        username: `${prefix}-admin`,
        email: `${prefix}-admin@example.org`,
        password: 'correct horse battery staple 42',
      }),
    });
    expect(admin.status).toBe(200);
    tokens.siteAdmin = ((await admin.json()) as { token: string }).token;

    tokens.owner = (await signUpConfirmed(api, smtp, `${prefix}-owner`, `${prefix}-owner@example.org`)).token;
    tokens.outsider = (
      await signUpConfirmed(api, smtp, `${prefix}-outsider`, `${prefix}-outsider@example.org`)
    ).token;
    expect(
      (
        await asOwner('POST', '/api/v2/organizations', {
          data: { type: 'organizations', attributes: { name: org, email: `${prefix}@example.org` } },
        })
      ).status,
    ).toBe(201);
    const owners = await asOwner('GET', `${orgPath}/teams?filter%5Bnames%5D=owners`);
    ownersTeam = owners.json.data[0].id;
    plainTeam = await createTeam({ name: 'plain', visibility: 'organization' });
    secretTeam = await createTeam({ name: 'hidden', visibility: 'secret' });
    const managers = await createTeam({
      name: 'managers',
      visibility: 'organization',
      'organization-access': { 'manage-membership': true },
    });
    tokens.member = await joinAs('member', [plainTeam]);
    tokens.manager = await joinAs('manager', [managers]);
    pendingMembership = await invite(`${prefix}-pending@example.org`, [plainTeam]);

    const orgToken = await asOwner('POST', `${orgPath}/authentication-token`, {
      data: { type: 'authentication-token' },
    });
    expect(orgToken.status).toBe(201);
    tokens.orgToken = orgToken.json.data.attributes.token;
  }, 240_000);

  const rows: Row[] = [
    {
      name: 'GET /organizations/:name',
      request: async () => ({ method: 'GET', path: orgPath }),
      expect: all(200, { outsider: 404, siteAdmin: 404 }),
    },
    {
      name: 'PATCH /organizations/:name',
      request: async () => ({
        method: 'PATCH',
        path: orgPath,
        body: { data: { type: 'organizations', attributes: { 'session-timeout': 60 } } },
      }),
      expect: all(404, { owner: 200 }),
    },
    {
      name: 'DELETE /organizations/:name (the owner deletes a throwaway organization of their own)',
      request: async (caller) => {
        if (caller !== 'owner') return { method: 'DELETE', path: orgPath };
        const name = unique('gone');
        const made = await asOwner('POST', '/api/v2/organizations', {
          data: { type: 'organizations', attributes: { name, email: `${name}@example.org` } },
        });
        expect(made.status).toBe(201);
        return { method: 'DELETE', path: `/api/v2/organizations/${name}` };
      },
      expect: all(404, { owner: 204 }),
    },
    {
      name: 'GET /organizations/:name/entitlement-set',
      request: async () => ({ method: 'GET', path: `${orgPath}/entitlement-set` }),
      expect: all(200, { outsider: 404, siteAdmin: 404 }),
    },
    {
      name: 'GET /organizations/:name/organization-memberships',
      request: async () => ({ method: 'GET', path: `${orgPath}/organization-memberships` }),
      expect: all(404, { manager: 200, owner: 200, orgToken: 200 }),
    },
    {
      name: 'POST /organizations/:name/organization-memberships (invite)',
      request: async () => ({
        method: 'POST',
        path: `${orgPath}/organization-memberships`,
        body: {
          data: { type: 'organization-memberships', attributes: { email: `${unique('inv')}@example.org` } },
        },
      }),
      expect: all(404, { manager: 201, owner: 201, orgToken: 201 }),
    },
    {
      name: "GET /organization-memberships/:id (someone else's)",
      request: async () => ({ method: 'GET', path: `/api/v2/organization-memberships/${pendingMembership}` }),
      expect: all(404, { manager: 200, owner: 200, orgToken: 200 }),
    },
    {
      name: 'DELETE /organization-memberships/:id (cancel an invitation)',
      request: async () => ({
        method: 'DELETE',
        path: `/api/v2/organization-memberships/${await invite(`${unique('cancel')}@example.org`)}`,
      }),
      expect: all(404, { manager: 204, owner: 204, orgToken: 204 }),
    },
    {
      name: 'GET /organization-memberships (own, across organizations)',
      request: async () => ({ method: 'GET', path: '/api/v2/organization-memberships' }),
      expect: all(200, { orgToken: 403 }),
    },
    {
      name: 'POST /organizations (create)',
      request: async () => {
        const name = unique('new');
        return {
          method: 'POST',
          path: '/api/v2/organizations',
          body: { data: { type: 'organizations', attributes: { name, email: `${name}@example.org` } } },
        };
      },
      expect: all(201, { orgToken: 403 }),
    },
    {
      name: 'GET /organizations/:name/teams',
      request: async () => ({ method: 'GET', path: `${orgPath}/teams` }),
      expect: all(200, { outsider: 404, siteAdmin: 404 }),
    },
    {
      name: 'POST /organizations/:name/teams',
      request: async () => ({
        method: 'POST',
        path: `${orgPath}/teams`,
        body: { data: { type: 'teams', attributes: { name: unique('t'), visibility: 'organization' } } },
      }),
      expect: all(404, { owner: 201, orgToken: 201 }),
    },
    {
      name: 'GET /teams/:id (visible to the organization)',
      request: async () => ({ method: 'GET', path: `/api/v2/teams/${plainTeam}` }),
      expect: all(200, { outsider: 404, siteAdmin: 404 }),
    },
    {
      name: 'GET /teams/:id (secret, the caller not on it)',
      request: async () => ({ method: 'GET', path: `/api/v2/teams/${secretTeam}` }),
      expect: all(404, { owner: 200, orgToken: 200 }),
    },
    {
      name: 'PATCH /teams/:id',
      request: async () => ({
        method: 'PATCH',
        path: `/api/v2/teams/${plainTeam}`,
        body: { data: { type: 'teams', attributes: { 'sso-team-id': unique('sso') } } },
      }),
      expect: all(404, { owner: 200, orgToken: 200 }),
    },
    {
      name: 'DELETE /teams/:id',
      request: async () => ({
        method: 'DELETE',
        path: `/api/v2/teams/${await createTeam({ name: unique('d'), visibility: 'organization' })}`,
      }),
      expect: all(404, { owner: 204, orgToken: 204 }),
    },
    {
      name: 'GET /teams/:id/relationships/organization-memberships',
      request: async () => ({
        method: 'GET',
        path: `/api/v2/teams/${plainTeam}/relationships/organization-memberships`,
      }),
      expect: all(404, { manager: 200, owner: 200, orgToken: 200 }),
    },
    {
      name: 'POST /teams/:id/relationships/organization-memberships',
      request: async () => ({
        method: 'POST',
        path: `/api/v2/teams/${plainTeam}/relationships/organization-memberships`,
        body: {
          data: [{ type: 'organization-memberships', id: await invite(`${unique('add')}@example.org`) }],
        },
      }),
      expect: all(404, { manager: 204, owner: 204, orgToken: 204 }),
    },
    {
      name: 'DELETE /teams/:id/relationships/organization-memberships',
      request: async () => ({
        method: 'DELETE',
        path: `/api/v2/teams/${plainTeam}/relationships/organization-memberships`,
        body: {
          data: [
            {
              type: 'organization-memberships',
              id: await invite(`${unique('rm')}@example.org`, [plainTeam]),
            },
          ],
        },
      }),
      expect: all(404, { manager: 204, owner: 204, orgToken: 204 }),
    },
    {
      name: 'POST /teams/:owners/relationships/organization-memberships (make someone an owner)',
      request: async () => ({
        method: 'POST',
        path: `/api/v2/teams/${ownersTeam}/relationships/organization-memberships`,
        body: {
          data: [{ type: 'organization-memberships', id: await invite(`${unique('own')}@example.org`) }],
        },
      }),
      expect: all(404, { manager: 403, owner: 204, orgToken: 204 }),
    },
  ];

  it('answers every endpoint × caller cell as the table says', async () => {
    const mismatches: string[] = [];
    const table: string[] = [`| endpoint | ${CALLERS.join(' | ')} |`];
    for (const row of rows) {
      const cells: string[] = [];
      for (const caller of CALLERS) {
        const { method, path, body } = await row.request(caller);
        const res = await call(caller, method, path, body);
        cells.push(String(res.status));
        if (res.status !== row.expect[caller])
          mismatches.push(`${row.name} as ${caller}: ${res.status}, expected ${row.expect[caller]}`);
        if (res.status >= 400) expect(res.json.errors[0].status).toBe(String(res.status));
      }
      table.push(`| ${row.name} | ${cells.join(' | ')} |`);
    }
    // The whole table in the log: a reviewer sees every cell, not only the first failure.
    process.stdout.write(`${table.join('\n')}\n`);
    expect(mismatches).toEqual([]);
  }, 240_000);

  it("team tokens (TFC-API §5.2): who may manage a team's tokens, as the membership service decides", async () => {
    // More callers: a Manage Teams holder, a member of a team whose members may not manage its tokens, and tokens.
    const teamsAdmins = await createTeam({
      name: unique('admins'),
      visibility: 'organization',
      'organization-access': { 'manage-membership': true, 'manage-teams': true },
    });
    const lockedTeam = await createTeam({
      name: unique('locked'),
      visibility: 'organization',
      'allow-member-token-management': false,
    });
    const callers: Record<string, string | undefined> = {
      anonymous: undefined,
      outsider: tokens.outsider,
      siteAdmin: tokens.siteAdmin,
      owner: tokens.owner,
      manageTeams: await joinAs('teamsadmin', [teamsAdmins]),
      teamMember: tokens.member,
      lockedMember: await joinAs('lockedmember', [lockedTeam]),
      manageMembership: tokens.manager,
      orgToken: tokens.orgToken,
    };
    const legacyToken = async (teamId: string) => {
      const res = await asOwner('POST', `/api/v2/teams/${teamId}/authentication-token`, {
        data: { type: '' },
      });
      expect(res.status).toBe(201);
      return res.json.data.attributes.token as string;
    };
    callers.ownersTeamToken = await legacyToken(ownersTeam);
    callers.plainTeamToken = await legacyToken(plainTeam);
    // Each target team: the status a described-token POST must answer per caller.
    const expected: Record<string, Record<string, number>> = {
      plain: { owner: 201, manageTeams: 201, teamMember: 201, orgToken: 201, ownersTeamToken: 201 },
      locked: { owner: 201, manageTeams: 201, orgToken: 201, ownersTeamToken: 201 },
      secret: { owner: 201, orgToken: 201, ownersTeamToken: 201 },
    };
    const teams: Record<string, string> = { plain: plainTeam, locked: lockedTeam, secret: secretTeam };
    const mismatches: string[] = [];
    const table: string[] = [`| team token POST | ${Object.keys(callers).join(' | ')} |`];
    for (const [name, teamId] of Object.entries(teams)) {
      const cells: string[] = [];
      for (const [caller, token] of Object.entries(callers)) {
        const want = caller === 'anonymous' ? 401 : (expected[name]![caller] ?? 404);
        const res = await api.call(
          'POST',
          `/api/v2/teams/${teamId}/authentication-tokens`,
          { data: { type: '', attributes: { description: unique(caller) } } },
          token,
        );
        cells.push(String(res.status));
        if (res.status !== want) mismatches.push(`${name} as ${caller}: ${res.status}, expected ${want}`);
        // Whoever may create may also read and delete it through /authentication-tokens/:id.
        if (res.status === 201) {
          const id = res.json.data.id as string;
          const read = await api.call('GET', `/api/v2/authentication-tokens/${id}`, undefined, token);
          if (read.status !== 200 || read.json.data.attributes.token !== null)
            mismatches.push(`${name} as ${caller}: read ${read.status}`);
        }
      }
      table.push(`| ${name} | ${cells.join(' | ')} |`);
    }
    process.stdout.write(`${table.join('\n')}\n`);
    expect(mismatches).toEqual([]);

    // A team token acts in its own organization only, with its team's access: the plain team's token reads the
    // organization and its visible teams but cannot create teams; the owners team's token can.
    expect((await api.call('GET', orgPath, undefined, callers.plainTeamToken)).status).toBe(200);
    const createTeamAs = (token: string | undefined) =>
      api.call(
        'POST',
        `${orgPath}/teams`,
        { data: { type: 'teams', attributes: { name: unique('bytoken'), visibility: 'organization' } } },
        token,
      );
    expect((await createTeamAs(callers.plainTeamToken)).status).toBe(404);
    expect((await createTeamAs(callers.ownersTeamToken)).status).toBe(201);
    expect(
      (await api.call('GET', '/api/v2/organization-memberships', undefined, callers.plainTeamToken)).status,
    ).toBe(403);
  }, 240_000);

  it('stops honouring a removed member at once: their next request to the organization is 404', async () => {
    const user = await signUpConfirmed(api, smtp, `${prefix}-leaver`, `${prefix}-leaver@example.org`);
    const membership = await invite(user.email, [plainTeam]);
    const mail = await smtp.waitForMail((m) => m.to.includes(user.email) && /invit/i.test(m.subject), 20_000);
    const { token } = user;
    await api.call(
      'POST',
      `/api/v2/invitations/${encodeURIComponent(invitationToken(mail.text))}/actions/accept`,
      undefined,
      token,
    );
    expect((await api.call('GET', orgPath, undefined, token)).status).toBe(200);
    expect((await asOwner('DELETE', `/api/v2/organization-memberships/${membership}`)).status).toBe(204);
    expect((await api.call('GET', orgPath, undefined, token)).status).toBe(404);
  }, 60_000);
});
