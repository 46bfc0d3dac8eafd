import { ApiClient, embeddedPlatformFixture, eventually, uniqueName } from '@idp/testing';

// The edges of the account API against the real embedded platform, over HTTP: races, bad input, brute force,
// and the first-admin bootstrap. Every refusal is a clear 4xx and stores nothing.
describe('accounts at the edges, embedded platform over HTTP', () => {
  // Bursts of 100 sign-ups from one address: rate limiting has its own tests.
  const platform = embeddedPlatformFixture('accounts-edges', { env: { API_RATE_LIMITING_ENABLED: 'false' } });
  let api: ApiClient;
  let url: string;
  const password = 'a perfectly fine passphrase 1';
  const signUp = (attributes: Record<string, unknown>) =>
    api.call('POST', '/api/v2/account/create', { data: { type: 'users', attributes } });
  const name = () => uniqueName('u').replace(/_/g, '-');

  beforeAll(() => {
    url = platform.url;
    api = new ApiClient(url);
  });

  it('gives exactly one account to 100 concurrent sign-ups for one name, and 99 clean 422s', async () => {
    const username = name();
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        signUp({ username, email: `${username}-${i}@example.com`, password }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 422)).toHaveLength(99);
    for (const r of results.filter((x) => x.status === 422))
      expect(r.json.errors[0]).toMatchObject({
        status: '422',
        source: { pointer: '/data/attributes/username' },
      });
  }, 120_000);

  it('treats e-mails differing only by case as one address', async () => {
    const first = name();
    expect((await signUp({ username: first, email: `${first}@example.com`, password })).status).toBe(201);
    const second = await signUp({ username: name(), email: `${first.toUpperCase()}@EXAMPLE.COM`, password });
    expect(second.status).toBe(422);
    expect(second.json.errors[0].source).toEqual({ pointer: '/data/attributes/email' });
  });

  it.each([
    ['a number for a username', { username: 12345 }, '/data/attributes/username'],
    ['a missing password', { password: undefined }, '/data/attributes/password'],
    ['a short password', { password: 'short' }, '/data/attributes/password'],
    ['a common password', { password: 'password123!' }, '/data/attributes/password'],
    ['an overlong username', { username: 'x'.repeat(300) }, '/data/attributes/username'],
    ['an overlong e-mail', { email: `${'x'.repeat(400)}@example.com` }, '/data/attributes/email'],
    ['a username with a space', { username: 'ada lovelace' }, '/data/attributes/username'],
    ['a username with a Cyrillic look-alike', { username: 'аda' }, '/data/attributes/username'],
    ['a username with a zero-width joiner', { username: 'ad\u200da' }, '/data/attributes/username'],
    ['a username with right-to-left text', { username: 'ادا' }, '/data/attributes/username'],
    ['a username with an emoji', { username: 'ada🦄' }, '/data/attributes/username'],
    ['an invalid e-mail', { email: 'not-an-email' }, '/data/attributes/email'],
  ])('refuses %s with a 422 pointing at the attribute, storing nothing', async (_what, override, pointer) => {
    const username = name();
    const attributes = { username, email: `${username}@example.com`, password, ...override };
    const refused = await signUp(attributes);
    expect(refused.status).toBe(422);
    expect(refused.json.errors.map((e: { source?: { pointer: string } }) => e.source?.pointer)).toContain(
      pointer,
    );
    // Nothing was stored: the same username and e-mail are still free.
    expect((await signUp({ username, email: `${username}@example.com`, password })).status).toBe(201);
  });

  it('answers malformed JSON with 400 and a body that is not JSON:API with 400 or 422, never 500', async () => {
    const raw = await fetch(`${url}/api/v2/account/create`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.api+json' },
      body: '{"data": {"type": "users", "attributes": {',
    });
    expect(raw.status).toBe(400);
    expect(((await raw.json()) as { errors: Array<{ status: string }> }).errors[0]!.status).toBe('400');
    for (const body of [
      [],
      'text',
      { data: null },
      { data: { type: 'users' } },
      { data: { type: 'users', attributes: [] } },
    ]) {
      const res = await api.call('POST', '/api/v2/account/create', body);
      expect([400, 409, 422]).toContain(res.status);
    }
  });

  it('locks a login under parallel brute force: at most the free attempts are checked, the rest get 429', async () => {
    const username = name();
    expect((await signUp({ username, email: `${username}@example.com`, password })).status).toBe(201);
    const attempts = await Promise.all(
      Array.from({ length: 20 }, () =>
        api.call('POST', '/api/v2/session', {
          data: { type: 'sessions', attributes: { login: username, password: 'wrong guess 0000' } },
        }),
      ),
    );
    const statuses = attempts.map((a) => a.status);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(5);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(15);
    const locked = attempts.find((a) => a.status === 429)!;
    expect(Number(locked.headers.get('x-ratelimit-reset'))).toBeGreaterThan(0);
    // Even the right password waits for the lock to expire.
    const right = await api.call('POST', '/api/v2/session', {
      data: { type: 'sessions', attributes: { login: username, password } },
    });
    expect(right.status).toBe(429);
    // Unknown logins are throttled exactly alike (no enumeration through the lock).
    const ghost = name();
    const ghostAttempts = await Promise.all(
      Array.from({ length: 8 }, () =>
        api.call('POST', '/api/v2/session', {
          data: { type: 'sessions', attributes: { login: ghost, password: 'wrong guess 0000' } },
        }),
      ),
    );
    expect(ghostAttempts.filter((a) => a.status === 429).length).toBeGreaterThanOrEqual(3);
  }, 60_000);

  it('frees the old username at once on a rename, and lists and ends sessions', async () => {
    const old = name();
    expect((await signUp({ username: old, email: `${old}@example.com`, password })).status).toBe(201);
    const login = () =>
      api.call('POST', '/api/v2/session', {
        data: { type: 'sessions', attributes: { login: old, password } },
      });
    const first = await login();
    const second = await login();
    const [a, b] = [first.json.data.attributes.token as string, second.json.data.attributes.token as string];
    const renamed = name();
    const rename = await api.call(
      'PATCH',
      '/api/v2/account/update',
      { data: { type: 'users', attributes: { username: renamed } } },
      a,
    );
    expect(rename.status).toBe(200);
    expect((await signUp({ username: old, email: `${old}-other@example.com`, password })).status).toBe(201);

    const listed = await api.call('GET', '/api/v2/account/sessions', undefined, a);
    expect(listed.status).toBe(200);
    expect(listed.json.data).toHaveLength(2);
    expect(JSON.stringify(listed.json)).not.toContain(b);
    const other = listed.json.data.find(
      (sess: { attributes: { current?: boolean } }) => !sess.attributes.current,
    );
    expect((await api.call('DELETE', `/api/v2/account/sessions/${other.id}`, undefined, a)).status).toBe(204);
    await eventually(
      async () => expect((await api.call('GET', '/api/v2/account/details', undefined, b)).status).toBe(401),
      10_000,
      200,
    );
    expect((await api.call('GET', '/api/v2/account/details', undefined, a)).status).toBe(200);
  }, 60_000);

  it('user API tokens: created with the secret once, act as their user, stop on the next request once revoked', async () => {
    const username = name();
    const created = await signUp({ username, email: `${username}@example.com`, password });
    const userId: string = created.json.data.id;
    const session = await api.call('POST', '/api/v2/session', {
      data: { type: 'sessions', attributes: { login: username, password } },
    });
    const sessionToken: string = session.json.data.attributes.token;
    const made = await api.call(
      'POST',
      `/api/v2/users/${userId}/authentication-tokens`,
      { data: { type: 'authentication-tokens', attributes: { description: 'ci' } } },
      sessionToken,
    );
    expect(made.status).toBe(201);
    const secret: string = made.json.data.attributes.token;
    expect(secret).toMatch(/^[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_-]{60,}$/);
    const details = await api.call('GET', '/api/v2/account/details', undefined, secret);
    expect(details.status).toBe(200);
    expect(details.json.data.id).toBe(userId);
    const listed = await api.call('GET', `/api/v2/users/${userId}/authentication-tokens`, undefined, secret);
    expect(listed.json.data.map((t: { attributes: { token: unknown } }) => t.attributes.token)).toEqual([
      null,
    ]);
    expect(
      (
        await api.call(
          'DELETE',
          `/api/v2/authentication-tokens/${made.json.data.id}`,
          undefined,
          sessionToken,
        )
      ).status,
    ).toBe(204);
    expect((await api.call('GET', '/api/v2/account/details', undefined, secret)).status).toBe(401);
  });

  it('bootstraps the first site admin once, with the one-time token readable from loopback', async () => {
    const iact = await fetch(`${url}/admin/retrieve-iact`);
    expect(iact.status).toBe(200);
    const token = (await iact.text()).trim();
    expect(token.length).toBeGreaterThan(20);
    const username = name();
    const create = (t: string) =>
      fetch(`${url}/admin/initial-admin-user?token=${encodeURIComponent(t)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, email: `${username}@example.com`, password }),
      });
    const wrong = await create('not-the-token');
    expect(wrong.status).toBe(401);
    const created = await create(token);
    expect(created.status).toBe(200);
    const body = (await created.json()) as { status: string; token: string };
    expect(body.status).toBe('created');
    const details = await api.call('GET', '/api/v2/account/details', undefined, body.token);
    expect(details.json.data.attributes['is-admin']).toBe(true);
    // Single use, and gone once an admin exists.
    expect((await create(token)).status).toBe(401);
    expect((await fetch(`${url}/admin/retrieve-iact`)).status).toBe(404);
  });
});
