import { performance } from 'node:perf_hooks';
import {
  ApiClient,
  bootstrapAdmin,
  embeddedPlatformFixture,
  eventually,
  linkToken,
  type TestSmtpServer,
  uniqueName,
} from '@idp/testing';

/**
 * Event-driven credential eviction in embedded mode (ADR 010): one platform process, gateway and services on the
 * in-process bus in one consumer group (`platform`). The gateway's eviction handlers sit beside the services'
 * handlers of the same topics and receive every event too. The cache TTL is a minute: a credential refused within
 * seconds was evicted, not expired.
 */
const PASSWORD = 'correct horse battery staple 42';
const CACHE_TTL_MS = 60_000;
const BOUND_MS = 5_000;

describe('credential eviction, embedded platform over HTTP', () => {
  const platform = embeddedPlatformFixture('eviction-e2e', {
    smtp: true,
    env: { API_RATE_LIMITING_ENABLED: 'false', AUTH_CACHE_TTL_MS: String(CACHE_TTL_MS) },
  });
  let smtp: TestSmtpServer;
  let api: ApiClient;
  const measured: string[] = [];

  beforeAll(() => {
    smtp = platform.smtp;
    api = new ApiClient(platform.url);
  });

  afterAll(async () => {
    if (measured.length > 0)
      console.log(`embedded eviction (first 401 after the call):\n  ${measured.join('\n  ')}`);
    if (platform.started) expect(await platform.stop()).toBe(0);
  });

  const signUp = async () => {
    const username = uniqueName('ev').replace(/_/g, '-');
    const email = `${username}@example.org`;
    const created = await api.call('POST', '/api/v2/account/create', {
      data: { type: 'users', attributes: { username, email, password: PASSWORD } },
    });
    expect(created.status).toBe(201);
    return { username, email, userId: created.json.data.id as string, session: await logIn(username) };
  };

  const logIn = async (login: string, password = PASSWORD): Promise<string> => {
    const session = await api.call('POST', '/api/v2/session', {
      data: { type: 'sessions', attributes: { login, password } },
    });
    expect(session.status).toBe(201);
    return session.json.data.attributes.token as string;
  };

  const details = (token: string) => api.call('GET', '/api/v2/account/details', undefined, token);

  /** Polls until 401 (other answers must be in `meanwhile`); the time it took. */
  const until401 = async (request: () => Promise<{ status: number }>, meanwhile = [200]): Promise<number> => {
    const start = performance.now();
    for (;;) {
      const { status } = await request();
      const elapsed = performance.now() - start;
      if (status === 401) return elapsed;
      expect(meanwhile).toContain(status);
      if (elapsed > BOUND_MS) throw new Error(`still ${status} after ${elapsed.toFixed(0)} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it('a cached user API token is refused at the very next request after its revocation', async () => {
    const user = await signUp();
    const created = await api.call(
      'POST',
      `/api/v2/users/${user.userId}/authentication-tokens`,
      { data: { type: 'authentication-tokens', attributes: { description: 'laptop' } } },
      user.session,
    );
    expect(created.status).toBe(201);
    const token = created.json.data.attributes.token as string;
    expect((await details(token)).status).toBe(200);
    expect((await details(token)).status).toBe(200); // cached
    const revoked = await api.call(
      'DELETE',
      `/api/v2/authentication-tokens/${created.json.data.id}`,
      undefined,
      user.session,
    );
    expect(revoked.status).toBe(204);
    expect((await details(token)).status).toBe(401);
  }, 60_000);

  it('a password reset ends the cached sessions: refused within seconds (identity → token → gateway events)', async () => {
    const user = await signUp();
    const other = await logIn(user.username);
    for (const token of [user.session, other]) expect((await details(token)).status).toBe(200);
    expect(
      (
        await api.call('POST', '/api/v2/account/password-reset', {
          data: { type: 'users', attributes: { email: user.email } },
        })
      ).status,
    ).toBe(202);
    const mail = await smtp.waitForMail((m) => m.to.includes(user.email) && /reset/i.test(m.subject), 20_000);
    const password = 'a brand new passphrase 8';
    const reset = await api.call('POST', '/api/v2/account/password-reset/complete', {
      data: {
        type: 'users',
        attributes: {
          token: linkToken(mail.text, '/account/reset-password'),
          password,
          password_confirmation: password,
        },
      },
    });
    expect(reset.status).toBe(204);
    // No route evicted them: only the token service's SessionEnded events can, well inside the minute's TTL.
    const times = await Promise.all([user.session, other].map((t) => until401(() => details(t))));
    measured.push(`password reset, 2 sessions: ${times.map((t) => `${t.toFixed(0)} ms`).join(', ')}`);
    expect((await details(await logIn(user.username, password))).status).toBe(200);
  }, 60_000);

  it("a deleted organization's cached token is refused within seconds (membership → token → gateway events)", async () => {
    const user = await signUp();
    const name = uniqueName('org').replace(/_/g, '-');
    await eventually(async () => {
      const org = await api.call(
        'POST',
        '/api/v2/organizations',
        { data: { type: 'organizations', attributes: { name, email: user.email } } },
        user.session,
      );
      expect(org.status).toBe(201);
    }, 20_000);
    const created = await api.call(
      'POST',
      `/api/v2/organizations/${name}/authentication-token`,
      undefined,
      user.session,
    );
    expect(created.status).toBe(201);
    const orgToken = created.json.data.attributes.token as string;
    const read = () => api.call('GET', `/api/v2/organizations/${name}`, undefined, orgToken);
    expect((await read()).status).toBe(200);
    expect((await read()).status).toBe(200); // cached
    expect((await api.call('DELETE', `/api/v2/organizations/${name}`, undefined, user.session)).status).toBe(
      204,
    );
    // Until the token service revokes it, the cached token reaches a membership service without the organization.
    const ms = await until401(read, [200, 404]);
    measured.push(`organization deleted: ${ms.toFixed(0)} ms`);
  }, 60_000);

  it('a cached API token and session are refused at the very next request after their user is suspended', async () => {
    const admin = await bootstrapAdmin(api.baseUrl, uniqueName('root').replace(/_/g, '-'));
    const user = await signUp();
    const created = await api.call(
      'POST',
      `/api/v2/users/${user.userId}/authentication-tokens`,
      { data: { type: 'authentication-tokens', attributes: { description: 'laptop' } } },
      user.session,
    );
    expect(created.status).toBe(201);
    const token = created.json.data.attributes.token as string;
    for (const credential of [token, user.session]) {
      expect((await details(credential)).status).toBe(200);
      expect((await details(credential)).status).toBe(200); // cached
    }
    const action = (what: 'suspend' | 'unsuspend') =>
      api.call('POST', `/api/v2/admin/users/${user.userId}/actions/${what}`, undefined, admin.token);
    expect((await action('suspend')).status).toBe(200);
    const start = performance.now();
    expect((await details(token)).status).toBe(401);
    measured.push(
      `user suspended: the next request was a 401 (${(performance.now() - start).toFixed(0)} ms)`,
    );
    expect((await details(user.session)).status).toBe(401);
    // Unsuspension restores the API token once the token service heard of it; the session stays ended.
    expect((await action('unsuspend')).status).toBe(200);
    await eventually(async () => expect((await details(token)).status).toBe(200), BOUND_MS);
    expect((await details(user.session)).status).toBe(401);
  }, 60_000);
});
