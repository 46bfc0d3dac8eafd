import { performance } from 'node:perf_hooks';
import {
  ApiClient,
  bootstrapAdmin,
  distributedTestEnv,
  type DistributedTestEnv,
  describeWithInfra,
  eventually,
  freePort,
  linkToken,
  startApp,
  startReadyApps,
  startSmtpServer,
  type StartedProcess,
  type TestSmtpServer,
  uniqueName,
  waitReady,
} from '@idp/testing';

/**
 * Revocation across gateway replicas (issue 5, ADR 010): identity, token, notification and membership services and
 * TWO gateways, A and B, as separate processes over real Kafka, PostgreSQL and FerretDB. A credential is used on B
 * (so B caches it), revoked through A; B must refuse it long before its cache entry would expire. The gateways'
 * cache TTL is set to a minute, so a refusal within the bound can only come from event-driven eviction.
 */
const POLL_MS = 20;
const BOUND_MS = 2_000;
const ROUNDS = 10;
const CACHE_TTL_MS = 60_000;
const PASSWORD = 'correct horse battery staple 42';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** min / median / max of some durations, in ms. */
const summary = (times: number[]): string => {
  const sorted = [...times].sort((x, y) => x - y);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(0);
  return `n=${sorted.length} min ${at(0)} ms, median ${at(0.5)} ms, max ${at(1)} ms`;
};

const details = (gateway: ApiClient, token: string) =>
  gateway.call('GET', '/api/v2/account/details', undefined, token);

describeWithInfra(
  ['postgres', 'kafka', 'mongo'],
  'revocation across gateway replicas (distributed)',
  (infra) => {
    let deployment: DistributedTestEnv | undefined;
    let smtp: TestSmtpServer;
    const processes: StartedProcess[] = [];
    let a: ApiClient;
    let b: ApiClient;
    const measured: Array<{ what: string; times: number[] }> = [];

    beforeAll(async () => {
      deployment = await distributedTestEnv(infra(), 'revocation_e2e');
      smtp = await startSmtpServer();
      const [portA, portB] = [await freePort(), await freePort()];
      const shared = { ...deployment.env, SMTP_URL: smtp.url, PUBLIC_URL: `http://127.0.0.1:${portA}` };
      await startReadyApps(['identity', 'token', 'notification', 'membership'], shared, processes);
      for (const port of [portA, portB]) {
        const gateway = startApp('gateway', {
          ...shared,
          PORT: String(port),
          API_RATE_LIMITING_ENABLED: 'false',
          AUTH_CACHE_TTL_MS: String(CACHE_TTL_MS),
        });
        processes.push(gateway);
        await waitReady(`http://127.0.0.1:${port}`, gateway, 90_000);
      }
      a = new ApiClient(`http://127.0.0.1:${portA}`);
      b = new ApiClient(`http://127.0.0.1:${portB}`);
      // Both gateways reach identity and token (a 401 is their answer): consumer groups shared with other suites
      // on the same broker may still be rebalancing right after boot, which is not what this suite measures.
      for (const gateway of [a, b])
        await eventually(
          async () => {
            const login = await gateway.call('POST', '/api/v2/session', {
              data: {
                type: 'sessions',
                attributes: { login: uniqueName('nobody'), password: 'wrong password 1' },
              },
            });
            expect(login.status).toBe(401);
            expect((await details(gateway, 'x'.repeat(43))).status).toBe(401);
          },
          120_000,
          500,
        );
    }, 400_000);

    afterAll(async () => {
      if (measured.length > 0)
        console.log(
          `revocation propagation (from the revoking call's answer to the first 401, polled every ${POLL_MS} ms):\n${measured
            .map(({ what, times }) => `  ${what}: ${summary(times)}`)
            .join('\n')}`,
        );
      for (const p of processes) p.child.kill('SIGTERM');
      await Promise.all(processes.map((p) => p.exited));
      await smtp?.close();
      await deployment?.cleanup();
    });

    const names = () => {
      const username = uniqueName('rev').replace(/_/g, '-');
      return { username, email: `${username}@example.org` };
    };

    /** Signs up through A (no confirmation needed to log in) and logs in: the user id and a session token. */
    const signUp = async (who = names()) => {
      const created = await a.call('POST', '/api/v2/account/create', {
        data: { type: 'users', attributes: { ...who, password: PASSWORD } },
      });
      expect(created.status).toBe(201);
      return { ...who, userId: created.json.data.id as string, session: await logIn(who.username) };
    };

    const logIn = async (login: string, password = PASSWORD): Promise<string> => {
      const session = await a.call('POST', '/api/v2/session', {
        data: { type: 'sessions', attributes: { login, password } },
      });
      expect(session.status).toBe(201);
      return session.json.data.attributes.token as string;
    };

    /**
     * Polls `request` every POLL_MS until it answers 401; fails past `boundMs`. Answers in between must be in
     * `meanwhile` (200: still cached). Returns the time from the call until the first 401.
     */
    const until401 = async (
      request: () => Promise<{ status: number }>,
      boundMs = BOUND_MS,
      meanwhile: number[] = [200],
    ): Promise<number> => {
      const start = performance.now();
      for (;;) {
        const { status } = await request();
        const elapsed = performance.now() - start;
        if (status === 401) return elapsed;
        expect(meanwhile).toContain(status);
        if (elapsed > boundMs)
          throw new Error(`still ${status} after ${elapsed.toFixed(0)} ms (bound ${boundMs} ms)`);
        await sleep(POLL_MS);
      }
    };

    it('a user API token revoked through A: A refuses it at the very next request, B within the bound', async () => {
      const user = await signUp();
      const times: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const created = await a.call(
          'POST',
          `/api/v2/users/${user.userId}/authentication-tokens`,
          { data: { type: 'authentication-tokens', attributes: { description: `ci ${round}` } } },
          user.session,
        );
        expect(created.status).toBe(201);
        const token = created.json.data.attributes.token as string;
        const tokenId = created.json.data.id as string;
        expect((await details(b, token)).status).toBe(200); // B verifies and caches it
        expect((await details(a, token)).status).toBe(200); // A too
        expect((await details(b, token)).status).toBe(200); // served from B's cache

        expect(
          (await a.call('DELETE', `/api/v2/authentication-tokens/${tokenId}`, undefined, user.session))
            .status,
        ).toBe(204);
        // The gateway that handled the revocation: the very next request, no polling.
        expect((await details(a, token)).status).toBe(401);
        times.push(await until401(() => details(b, token)));
      }
      measured.push({ what: `user token revoked (UserTokenRevoked), ${ROUNDS} rounds`, times });
      expect(Math.max(...times)).toBeLessThan(BOUND_MS);
    }, 120_000);

    it('a session logged out through A: A refuses it at the very next request, B within the bound', async () => {
      const user = await signUp();
      const times: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const session = await logIn(user.username);
        expect((await details(b, session)).status).toBe(200);
        expect((await details(a, session)).status).toBe(200);

        expect((await a.call('DELETE', '/api/v2/session', undefined, session)).status).toBe(204);
        expect((await details(a, session)).status).toBe(401);
        times.push(await until401(() => details(b, session)));
      }
      measured.push({ what: `session logged out (SessionEnded), ${ROUNDS} rounds`, times });
      expect(Math.max(...times)).toBeLessThan(BOUND_MS);
      // The user's other session is untouched on both.
      expect((await details(b, user.session)).status).toBe(200);
      expect((await details(a, user.session)).status).toBe(200);
    }, 120_000);

    it("a deleted organization's token: refused by both gateways soon after (no gateway evicts it itself)", async () => {
      const user = await signUp();
      const name = uniqueName('org').replace(/_/g, '-');
      await eventually(async () => {
        const org = await a.call(
          'POST',
          '/api/v2/organizations',
          { data: { type: 'organizations', attributes: { name, email: user.email } } },
          user.session,
        );
        expect(org.status).toBe(201);
      }, 20_000);
      const created = await a.call(
        'POST',
        `/api/v2/organizations/${name}/authentication-token`,
        undefined,
        user.session,
      );
      expect(created.status).toBe(201);
      const orgToken = created.json.data.attributes.token as string;
      const readOrg = (gateway: ApiClient) => () =>
        gateway.call('GET', `/api/v2/organizations/${name}`, undefined, orgToken);
      expect((await readOrg(b)()).status).toBe(200);
      expect((await readOrg(a)()).status).toBe(200);

      expect((await a.call('DELETE', `/api/v2/organizations/${name}`, undefined, user.session)).status).toBe(
        204,
      );
      // membership.events → the token service revokes the token → token.events → every gateway. Until then a cached
      // token reaches the membership service, which no longer knows the organization (404).
      const [msA, msB] = await Promise.all([
        until401(readOrg(a), BOUND_MS * 2, [200, 404]),
        until401(readOrg(b), BOUND_MS * 2, [200, 404]),
      ]);
      measured.push({
        what: 'organization deleted, A and B (membership → token → gateways)',
        times: [msA, msB],
      });
      expect(Math.max(msA, msB)).toBeLessThan(BOUND_MS * 2);
    }, 60_000);

    it('team tokens revoked through A, or their team deleted through A: A refuses them at the very next request, B within the bound', async () => {
      const user = await signUp();
      const name = uniqueName('teamorg').replace(/_/g, '-');
      await eventually(async () => {
        const org = await a.call(
          'POST',
          '/api/v2/organizations',
          { data: { type: 'organizations', attributes: { name, email: user.email } } },
          user.session,
        );
        expect(org.status).toBe(201);
      }, 20_000);
      const newTeam = async (teamName: string) => {
        const team = await a.call(
          'POST',
          `/api/v2/organizations/${name}/teams`,
          { data: { type: 'teams', attributes: { name: teamName, visibility: 'organization' } } },
          user.session,
        );
        expect([200, 201]).toContain(team.status);
        return team.json.data.id as string;
      };
      const teamId = await newTeam('ci');
      const times: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const created = await a.call(
          'POST',
          `/api/v2/teams/${teamId}/authentication-tokens`,
          { data: { type: '', attributes: { description: `deploy ${round}` } } },
          user.session,
        );
        expect(created.status).toBe(201);
        const token = created.json.data.attributes.token as string;
        expect((await details(b, token)).status).toBe(200);
        expect((await details(a, token)).status).toBe(200);
        expect(
          (
            await a.call(
              'DELETE',
              `/api/v2/authentication-tokens/${created.json.data.id as string}`,
              undefined,
              user.session,
            )
          ).status,
        ).toBe(204);
        expect((await details(a, token)).status).toBe(401);
        times.push(await until401(() => details(b, token)));
      }
      measured.push({ what: `team token revoked (TeamTokenRevoked), ${ROUNDS} rounds`, times });
      expect(Math.max(...times)).toBeLessThan(BOUND_MS);

      // The team deleted through A: its (legacy) token is closed by A at once, evicted from B by the event.
      const doomed = await newTeam('doomed');
      const legacy = await a.call(
        'POST',
        `/api/v2/teams/${doomed}/authentication-token`,
        undefined,
        user.session,
      );
      expect(legacy.status).toBe(201);
      const legacyToken = legacy.json.data.attributes.token as string;
      expect((await details(b, legacyToken)).status).toBe(200);
      expect((await details(a, legacyToken)).status).toBe(200);
      expect((await a.call('DELETE', `/api/v2/teams/${doomed}`, undefined, user.session)).status).toBe(204);
      expect((await details(a, legacyToken)).status).toBe(401);
      const deletedMs = await until401(() => details(b, legacyToken));
      measured.push({
        what: 'team deleted, B (token.close-team-tokens → TeamTokenRevoked)',
        times: [deletedMs],
      });
      expect(deletedMs).toBeLessThan(BOUND_MS);
    }, 120_000);

    it('a user suspended through A: A refuses their cached token and session at the very next request, B within the bound', async () => {
      // The site admin, bootstrapped through A with the IACT (TFC-API §10); A is on loopback.
      const admin = await bootstrapAdmin(a.baseUrl, uniqueName('root').replace(/_/g, '-'));
      const user = await signUp();
      const created = await a.call(
        'POST',
        `/api/v2/users/${user.userId}/authentication-tokens`,
        { data: { type: 'authentication-tokens', attributes: { description: 'suspension' } } },
        user.session,
      );
      expect(created.status).toBe(201);
      const token = created.json.data.attributes.token as string;
      const action = (what: 'suspend' | 'unsuspend') =>
        a.call('POST', `/api/v2/admin/users/${user.userId}/actions/${what}`, undefined, admin.token);
      const times: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        // Cached by both gateways (after an unsuspension, once the token service has restored the token).
        await eventually(
          async () => {
            expect((await details(b, token)).status).toBe(200);
            expect((await details(a, token)).status).toBe(200);
          },
          10_000,
          POLL_MS,
        );
        if (round === 0) {
          expect((await details(b, user.session)).status).toBe(200);
          expect((await details(a, user.session)).status).toBe(200);
        }
        expect((await action('suspend')).status).toBe(200);
        // The gateway that handled the suspension: the very next request, no polling.
        expect((await details(a, token)).status).toBe(401);
        if (round === 0) expect((await details(a, user.session)).status).toBe(401);
        times.push(await until401(() => details(b, token)));
        if (round === 0) expect((await details(b, user.session)).status).toBe(401);
        expect((await action('unsuspend')).status).toBe(200);
      }
      measured.push({ what: `user suspended (AccountSuspended), ${ROUNDS} rounds`, times });
      expect(Math.max(...times)).toBeLessThan(BOUND_MS);
      // Suspension ended the session for good; the API token is back.
      await eventually(async () => expect((await details(b, token)).status).toBe(200), 10_000, POLL_MS);
      expect((await details(b, user.session)).status).toBe(401);
    }, 120_000);

    it('a password reset ends every session on every gateway (identity → token → gateways)', async () => {
      const user = await signUp();
      const other = await logIn(user.username);
      for (const token of [user.session, other]) {
        expect((await details(a, token)).status).toBe(200);
        expect((await details(b, token)).status).toBe(200);
      }
      expect(
        (
          await a.call('POST', '/api/v2/account/password-reset', {
            data: { type: 'users', attributes: { email: user.email } },
          })
        ).status,
      ).toBe(202);
      const mail = await smtp.waitForMail(
        (m) => m.to.includes(user.email) && /reset/i.test(m.subject),
        20_000,
      );
      const newPassword = 'a brand new passphrase 8';
      expect(
        (
          await a.call('POST', '/api/v2/account/password-reset/complete', {
            data: {
              type: 'users',
              attributes: {
                token: linkToken(mail.text, '/account/reset-password'),
                password: newPassword,
                password_confirmation: newPassword,
              },
            },
          })
        ).status,
      ).toBe(204);
      const times = await Promise.all(
        [a, b].flatMap((gateway) =>
          [user.session, other].map((t) => until401(() => details(gateway, t), 10_000)),
        ),
      );
      measured.push({ what: 'password reset, 2 sessions × 2 gateways (identity → token → gateways)', times });
      expect(Math.max(...times)).toBeLessThan(10_000);
      expect((await details(b, await logIn(user.username, newPassword))).status).toBe(200);
    }, 90_000);
  },
);
