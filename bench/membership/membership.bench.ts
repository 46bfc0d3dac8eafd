/**
 * Membership benchmark (issue 4), through HTTP only: how long an invitation takes to reach the invitee's mailbox,
 * and how fast a 10,000-member organization's membership list pages.
 *
 *   eval "$(deploy/local/env)"    # optional: POSTGRES_URL, KAFKA_BROKERS, MONGO_URL for the distributed part
 *   node -r ./tools/jest/register-ts.js bench/membership/membership.bench.ts   # or: bash bench/run-all.sh membership
 *
 * 1. Invite → mail, embedded: one `platform` process (PGlite in a temp DATA_DIR, API_RATE_LIMITING_ENABLED=false,
 *    SMTP_URL = a real SMTP server in this process, `startSmtpServer` from libs/testing). An owner signs up, logs
 *    in (no confirmation needed) and creates an organization. Three rows of BENCH_INVITES (default 50) invitations,
 *    each to a fresh address: one at a time; BENCH_INVITE_CONCURRENCY (default 4) closed loops (each client invites
 *    again once its invitee has the mail); an open loop of Poisson arrivals at BENCH_INVITE_RATE per second (default
 *    5; 0 = no such row): arrivals independent of completions, as real traffic. For each invite: the time
 *    from just before `POST /api/v2/organizations/:org/organization-memberships` to its 201 (the baseline: the
 *    synchronous part), and to the moment the SMTP server has accepted and parsed the invitation mail for that
 *    address (the wait is armed before the POST). The difference (mail − 201) is what the asynchronous path
 *    (store → relay → bus → notification → SMTP) adds after the answer; it is negative when the mail arrives before
 *    the 201 (the relay publishes while the request still waits for its read model).
 * 2. The same in distributed mode when POSTGRES_URL, KAFKA_BROKERS and MONGO_URL are all set: `identity`,
 *    `membership`, `token`, `notification` and `gateway` processes on a private deployment (`distributedTestEnv`:
 *    fresh PostgreSQL and MongoDB databases, own Kafka topic prefix, which also names the consumer groups; all
 *    dropped at the end).
 * 3. Membership list, embedded: a fresh `platform` process WITHOUT SMTP_URL, so the notification service writes
 *    every invitation mail to its outbox folder in DATA_DIR (the embedded default: a file per mail, nothing parsed
 *    in this process, which is also the load generator). Two organizations are seeded over HTTP with invitations,
 *    BENCH_SEED_CONCURRENCY (default 8) in flight: a baseline organization of BENCH_SMALL_MEMBERS (default 100)
 *    memberships and a large one of BENCH_MEMBERS (default 10,000), the owner included. The benchmark then waits
 *    until every invitation mail is in the outbox (≤ BENCH_MAIL_DRAIN_S, default 240) and the platform is idle, and
 *    lists, one request in flight: every page of the large organization (`page[size]=100`) once, with the same
 *    number of requests to the baseline's page(s), interleaved; then `filter[status]=invited`,
 *    `filter[status]=active`, `q=` matching one member and `q=` matching every invitee, BENCH_LIST_VARIANT_REQUESTS
 *    (default 20) requests each on both organizations. Every answer is checked (200, page length,
 *    `meta.pagination.total-count`, `meta.status-counts`).
 * 4. Optionally the same list in distributed mode (read model in MongoDB/FerretDB), BENCH_DIST_MEMBERS (default 0 =
 *    skip) memberships seeded through the gateway, mail over SMTP to the in-process server.
 *
 * Bounds: the invite rows by their counts (each mail awaited ≤ 60 s); seeding stops
 * at BENCH_SEED_BUDGET_S (default 200) and the whole run is kept inside BENCH_DEADLINE_S (default 540) by cutting
 * the seeding and the mail-drain wait short (the tables then say how many members and mails there were).
 * Every process started here gets SIGTERM at the end (also on failure and on SIGINT/SIGTERM); temp folders are
 * removed. The server processes and this load generator share the machine's cores.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Kafka, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { distributedTestEnv } from '../../libs/testing/src/distributed-env';
import { freePort, startApp, type StartedProcess, waitReady } from '../../libs/testing/src/process';
import { startSmtpServer, type TestSmtpServer } from '../../libs/testing/src/smtp';

const envInt = (name: string, fallback: number) => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name}="${raw}" must be a whole number ≥ 0`);
  return n;
};

const INVITES = envInt('BENCH_INVITES', 50);
const INVITE_CONCURRENCY = envInt('BENCH_INVITE_CONCURRENCY', 4);
const INVITE_RATE = envInt('BENCH_INVITE_RATE', 5);
const MEMBERS = envInt('BENCH_MEMBERS', 10_000);
const SMALL_MEMBERS = envInt('BENCH_SMALL_MEMBERS', 100);
const SEED_CONCURRENCY = envInt('BENCH_SEED_CONCURRENCY', 8);
const SEED_BUDGET_MS = envInt('BENCH_SEED_BUDGET_S', 200) * 1000;
const VARIANT_REQUESTS = envInt('BENCH_LIST_VARIANT_REQUESTS', 20);
const DIST_MEMBERS = envInt('BENCH_DIST_MEMBERS', 0);
const PAGE_SIZE = 100;
const WARM_UP = 3;
const MAIL_TIMEOUT_MS = 60_000;
const MAIL_DRAIN_LIMIT_MS = envInt('BENCH_MAIL_DRAIN_S', 240) * 1000;
/**
 * Whole-run bound (from the start of this process): seeding stops LIST_RESERVE_MS before it, the mail drain wait
 * LIST_TIME_MS before it, so that the list cells and the clean-up still end inside run-all's 600 s.
 */
const DEADLINE = performance.now() + envInt('BENCH_DEADLINE_S', 540) * 1000;
const LIST_TIME_MS = 40_000;
const LIST_RESERVE_MS = 120_000;
const PASSWORD = 'violet lantern drifts over a quiet harbour 58';
const JSONAPI = 'application/vnd.api+json';
const RUN = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;

// ------------------------------------------------------------------------------------------------ measuring

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;

interface Stats {
  n: number;
  p50: number;
  p99: number;
  max: number;
}
const statsOf = (values: readonly number[]): Stats => {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? NaN,
  };
};

/** Runs `once(i)` for i = 0 … count − 1 on `workers` concurrent loops; stops issuing at `deadline` (ms, perf clock). */
const pool = async (
  count: number,
  workers: number,
  once: (i: number) => Promise<void>,
  deadline = Infinity,
): Promise<number> => {
  let issued = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, workers) }, async () => {
      while (issued < count && performance.now() < deadline) await once(issued++);
    }),
  );
  return Math.min(issued, count);
};

// ------------------------------------------------------------------------------------------------------ HTTP

interface Answer {
  status: number;
  json: any;
  text: string;
}

const call = async (
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  token?: string,
): Promise<Answer> => {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      accept: JSONAPI,
      ...(body !== undefined ? { 'content-type': JSONAPI } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
};

const expectStatus = (what: string, answer: Answer, expected: number) => {
  if (answer.status !== expected)
    throw new Error(`${what}: ${answer.status} (expected ${expected}): ${answer.text.slice(0, 800)}`);
  return answer;
};

/** Signs up an owner (a login does not need the e-mail confirmed), logs in, creates an organization per name. */
const ownerWithOrganizations = async (
  baseUrl: string,
  prefix: string,
  organizations: readonly string[],
): Promise<string> => {
  const username = `${prefix}-owner-${RUN}`;
  expectStatus(
    'POST /api/v2/account/create',
    await call(baseUrl, 'POST', '/api/v2/account/create', {
      data: { type: 'users', attributes: { username, email: `${username}@example.org`, password: PASSWORD } },
    }),
    201,
  );
  const session = expectStatus(
    'POST /api/v2/session',
    await call(baseUrl, 'POST', '/api/v2/session', {
      data: { type: 'sessions', attributes: { login: username, password: PASSWORD } },
    }),
    201,
  );
  const token = session.json.data.attributes.token as string;
  const signedUp = performance.now();
  for (const name of organizations) {
    const create = () =>
      call(
        baseUrl,
        'POST',
        '/api/v2/organizations',
        { data: { type: 'organizations', attributes: { name, email: `billing-${name}@example.org` } } },
        token,
      );
    // In distributed mode the membership service learns of the account from identity.events (relay poll + Kafka):
    // until then it answers 503 (MEMBERSHIP.USER_UNAVAILABLE, "retry shortly"; the body says only "service
    // unavailable"). Retry a 503 for ≤ 30 s.
    let answer = await create();
    while (answer.status === 503 && performance.now() - signedUp < 30_000) {
      await new Promise((r) => setTimeout(r, 100));
      answer = await create();
    }
    expectStatus(`POST /api/v2/organizations (${name})`, answer, 201);
  }
  console.error(
    `${prefix}: owner signed up; organizations created ${((performance.now() - signedUp) / 1000).toFixed(2)} s after the login`,
  );
  return token;
};

const invite = async (baseUrl: string, token: string, organization: string, email: string) => {
  const answer = await call(
    baseUrl,
    'POST',
    `/api/v2/organizations/${organization}/organization-memberships`,
    { data: { type: 'organization-memberships', attributes: { email } } },
    token,
  );
  expectStatus(`POST /api/v2/organizations/${organization}/organization-memberships (${email})`, answer, 201);
  if (answer.json?.data?.attributes?.status !== 'invited')
    throw new Error(`invite ${email}: status is not "invited": ${answer.text.slice(0, 500)}`);
};

// ------------------------------------------------------------------------------------------------ processes

const processes: StartedProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];

const stopProcesses = async () => {
  for (const p of processes)
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
  const stopped = Promise.all(processes.map((p) => p.exited));
  const late = setTimeout(() => {
    for (const p of processes)
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  }, 15_000);
  await stopped;
  clearTimeout(late);
  processes.length = 0;
};

const stopAll = async () => {
  await stopProcesses();
  for (const cleanup of cleanups.splice(0).reverse())
    await cleanup().catch((e: unknown) => console.error('cleanup failed:', e));
};

/** CPU time (ms) used so far by a process and its threads, from /proc (undefined elsewhere). */
const cpuMs = (pid: number): number | undefined => {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in USER_HZ (100)
  } catch {
    return undefined;
  }
};

const rssMb = (pid: number): number | undefined => {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
};

/** Waits (≤ maxMs) until the server processes use < 5 % of a core each over 500 ms; returns the seconds waited. */
const quiesce = async (maxMs = 15_000): Promise<number> => {
  const began = Date.now();
  const total = () => processes.reduce((sum, p) => sum + (cpuMs(p.child.pid!) ?? 0), 0);
  for (let before = total(); Date.now() - began < maxMs;) {
    await new Promise((r) => setTimeout(r, 500));
    const now = total();
    if (now - before < 25 * processes.length) break;
    before = now;
  }
  const waited = (Date.now() - began) / 1000;
  console.error(`servers idle after ${waited.toFixed(1)} s`);
  return waited;
};

const startPlatform = async (dataDir: string, smtpUrl?: string): Promise<{ url: string; pid: number }> => {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const platform = startApp('platform', {
    PORT: String(port),
    DATA_DIR: dataDir,
    PUBLIC_URL: url,
    API_RATE_LIMITING_ENABLED: 'false',
    LOG_LEVEL: 'warn',
    ...(smtpUrl ? { SMTP_URL: smtpUrl } : {}),
  });
  processes.push(platform);
  await waitReady(url, platform, 120_000);
  return { url, pid: platform.child.pid! };
};

const startDistributed = async (smtpUrl: string): Promise<string> => {
  const { POSTGRES_URL, KAFKA_BROKERS, MONGO_URL } = process.env;
  const deployment = await distributedTestEnv(
    { postgres: POSTGRES_URL!, kafka: KAFKA_BROKERS!, mongo: MONGO_URL! },
    'bench_membership',
  );
  cleanups.push(() => deployment.cleanup());
  const { MONGO_URL: mongoUrl, KAFKA_TOPIC_PREFIX: topicPrefix } = deployment.env;
  cleanups.push(async () => {
    const client = new MongoClient(mongoUrl!, { serverSelectionTimeoutMS: 5000 });
    try {
      await client.connect();
      await client.db().dropDatabase();
    } finally {
      await client.close();
    }
  });
  cleanups.push(async () => {
    const admin = new Kafka({ brokers: KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const mine = (await admin.listTopics()).filter((t) => t.startsWith(topicPrefix!));
      if (mine.length) await admin.deleteTopics({ topics: mine, timeout: 15_000 });
    } finally {
      await admin.disconnect();
    }
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-membership-dist-'));
  cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  const gatewayPort = await freePort();
  const shared = {
    ...deployment.env,
    SMTP_URL: smtpUrl,
    DATA_DIR: dataDir,
    PUBLIC_URL: `http://127.0.0.1:${gatewayPort}`,
    LOG_LEVEL: 'warn',
  };
  for (const app of ['identity', 'membership', 'token', 'notification']) {
    const port = await freePort();
    const p = startApp(app, { ...shared, PORT: String(port) });
    processes.push(p);
    await waitReady(`http://127.0.0.1:${port}`, p, 120_000);
  }
  const gateway = startApp('gateway', {
    ...shared,
    PORT: String(gatewayPort),
    API_RATE_LIMITING_ENABLED: 'false',
  });
  processes.push(gateway);
  await waitReady(`http://127.0.0.1:${gatewayPort}`, gateway, 120_000);
  return `http://127.0.0.1:${gatewayPort}`;
};

// --------------------------------------------------------------------------------------- 1. invite → mail

interface MailCell {
  mode: string;
  /** `N in flight` (closed loop) or `Poisson R/s` (open loop). */
  load: string;
  post: Stats;
  mail: Stats;
  /** Per invite: mail arrival − 201 (the part after the answer). */
  after: Stats;
}

const inviteToMail = async (
  baseUrl: string,
  smtp: TestSmtpServer,
  mode: string,
  prefix: string,
): Promise<MailCell[]> => {
  const organization = `${prefix}-mail-${RUN}`;
  const token = await ownerWithOrganizations(baseUrl, prefix, [organization]);
  let next = 0;
  const once = async () => {
    const email = `${prefix}-invitee-${RUN}-${next++}@example.org`;
    const mailed = smtp.waitForMail((m) => m.to.includes(email) && /invit/i.test(m.subject), MAIL_TIMEOUT_MS);
    let arrived = NaN;
    const arrival = mailed.then((m) => {
      arrived = performance.now();
      return m;
    });
    const t0 = performance.now();
    await invite(baseUrl, token, organization, email);
    const answered = performance.now();
    await arrival;
    return { post: answered - t0, mail: arrived - t0, after: arrived - answered };
  };
  for (let i = 0; i < WARM_UP; i++) await once();
  const cells: MailCell[] = [];
  const variants: {
    load: string;
    run: (record: (r: Awaited<ReturnType<typeof once>>) => void) => Promise<void>;
  }[] = [
    // Closed loops: each of `concurrency` clients invites again as soon as its previous invitee has the mail.
    ...[1, INVITE_CONCURRENCY].map((concurrency) => ({
      load: `${concurrency} in flight`,
      run: (record: (r: Awaited<ReturnType<typeof once>>) => void) =>
        pool(INVITES, concurrency, async () => record(await once())).then(() => undefined),
    })),
    // Open loop: invites at random (Poisson) moments, INVITE_RATE per second on average, whatever is in flight.
    ...(INVITE_RATE > 0
      ? [
          {
            load: `Poisson ${INVITE_RATE}/s`,
            run: async (record: (r: Awaited<ReturnType<typeof once>>) => void) => {
              const all: Promise<void>[] = [];
              for (let i = 0; i < INVITES; i++) {
                all.push(once().then(record));
                await new Promise((r) => setTimeout(r, (-Math.log(1 - Math.random()) * 1000) / INVITE_RATE));
              }
              await Promise.all(all);
            },
          },
        ]
      : []),
  ];
  for (const { load, run } of variants) {
    await quiesce();
    const post: number[] = [];
    const mail: number[] = [];
    const after: number[] = [];
    const began = performance.now();
    await run((r) => {
      post.push(r.post);
      mail.push(r.mail);
      after.push(r.after);
    });
    const cell = { mode, load, post: statsOf(post), mail: statsOf(mail), after: statsOf(after) };
    console.error(
      `invite → mail (${mode}), ${load}: ${post.length} in ${((performance.now() - began) / 1000).toFixed(1)} s; ` +
        `201 p50 ${cell.post.p50.toFixed(1)} ms, mail p50 ${cell.mail.p50.toFixed(1)} ms, p99 ${cell.mail.p99.toFixed(1)} ms`,
    );
    cells.push(cell);
  }
  return cells;
};

// ------------------------------------------------------------------------------------------ 2. list paging

interface SeedResult {
  organization: string;
  target: number;
  members: number;
  invites: number;
  seconds: number;
  post: Stats;
  /** invites/s over the first and the last 10 % of the invites. */
  firstRate: number;
  lastRate: number;
}

/** Invites `members − 1` fresh addresses (the owner is the first member), SEED_CONCURRENCY at a time. */
const seed = async (
  baseUrl: string,
  token: string,
  organization: string,
  members: number,
  deadline: number,
): Promise<SeedResult> => {
  const wanted = Math.max(0, members - 1);
  const latencies: number[] = [];
  const doneAt: number[] = [];
  const began = performance.now();
  let lastReport = began;
  const invites = await pool(
    wanted,
    SEED_CONCURRENCY,
    async (i) => {
      const t = performance.now();
      await invite(baseUrl, token, organization, memberEmail(organization, i));
      const now = performance.now();
      latencies.push(now - t);
      doneAt.push(now);
      if (now - lastReport > 15_000) {
        lastReport = now;
        console.error(
          `  ${organization}: ${doneAt.length} invites in ${((now - began) / 1000).toFixed(0)} s ` +
            `(${(doneAt.length / ((now - began) / 1000)).toFixed(1)}/s)`,
        );
      }
    },
    deadline,
  );
  const seconds = (performance.now() - began) / 1000;
  const tenth = Math.max(1, Math.floor(doneAt.length / 10));
  const rate = (from: number, to: number, start: number) => (to - from) / ((doneAt[to - 1]! - start) / 1000);
  const result: SeedResult = {
    organization,
    target: members,
    members: invites + 1,
    invites,
    seconds,
    post: statsOf(latencies),
    firstRate: doneAt.length ? tenth / ((doneAt[tenth - 1]! - began) / 1000) : NaN,
    lastRate:
      doneAt.length > tenth
        ? rate(doneAt.length - tenth, doneAt.length, doneAt[doneAt.length - tenth - 1]!)
        : NaN,
  };
  console.error(
    `seeded ${organization}: ${invites} invites in ${seconds.toFixed(1)} s (${(invites / seconds).toFixed(1)}/s; ` +
      `first 10 % ${result.firstRate.toFixed(1)}/s, last 10 % ${result.lastRate.toFixed(1)}/s)`,
  );
  return result;
};

const memberEmail = (organization: string, i: number) =>
  `m${String(i).padStart(5, '0')}-${organization}@example.org`;

interface ListRow {
  query: string;
  requests: number;
  big: Stats;
  small: Stats;
  /** The baseline organization measured before the large one was seeded: a read model of ~100 memberships. */
  smallAlone?: Stats;
}

interface Query {
  label: string;
  /** Query string for request k (0-based) against an organization of `members` memberships. */
  path: (organization: string, members: number, k: number) => string;
  /** Expected total-count, page length, for that request. */
  expect: (members: number, k: number) => { total: number; length: number };
}

const pageCount = (total: number) => Math.max(1, Math.ceil(total / PAGE_SIZE));
const pageLength = (total: number, page: number) =>
  Math.max(0, Math.min(PAGE_SIZE, total - (page - 1) * PAGE_SIZE));
const listPath = (organization: string, params: Record<string, string | number>) =>
  `/api/v2/organizations/${organization}/organization-memberships?${Object.entries(params)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&')}`;

/** Pages k = 0, 1, …: every page in order; spread over all pages when asked for fewer. */
const pageFor = (pages: number, k: number, requests: number) =>
  requests >= pages ? (k % pages) + 1 : Math.floor((k * pages) / requests) + 1;

const queries = (pagesOfBig: number): { query: Query; requests: number }[] => [
  {
    requests: pagesOfBig,
    query: {
      label: `every page, \`page[size]=100\``,
      path: (org, members, k) =>
        listPath(org, {
          'page[number]': pageFor(pageCount(members), k, pagesOfBig),
          'page[size]': PAGE_SIZE,
        }),
      expect: (members, k) => ({
        total: members,
        length: pageLength(members, pageFor(pageCount(members), k, pagesOfBig)),
      }),
    },
  },
  {
    requests: VARIANT_REQUESTS,
    query: {
      label: '`filter[status]=invited`, pages spread over all',
      path: (org, members, k) =>
        listPath(org, {
          'filter[status]': 'invited',
          'page[number]': pageFor(pageCount(members - 1), k, VARIANT_REQUESTS),
          'page[size]': PAGE_SIZE,
        }),
      expect: (members, k) => ({
        total: members - 1,
        length: pageLength(members - 1, pageFor(pageCount(members - 1), k, VARIANT_REQUESTS)),
      }),
    },
  },
  {
    requests: VARIANT_REQUESTS,
    query: {
      label: '`filter[status]=active` (the owner)',
      path: (org) =>
        listPath(org, { 'filter[status]': 'active', 'page[number]': 1, 'page[size]': PAGE_SIZE }),
      expect: () => ({ total: 1, length: 1 }),
    },
  },
  {
    requests: VARIANT_REQUESTS,
    query: {
      label: '`q=` one member’s address',
      path: (org, members, k) =>
        listPath(org, {
          q: memberEmail(org, Math.floor((k * (members - 1)) / VARIANT_REQUESTS)),
          'page[number]': 1,
          'page[size]': PAGE_SIZE,
        }),
      expect: () => ({ total: 1, length: 1 }),
    },
  },
  {
    requests: VARIANT_REQUESTS,
    query: {
      label: '`q=` matching every invitee, pages spread over all',
      path: (org, members, k) =>
        listPath(org, {
          q: `${org}@example.org`,
          'page[number]': pageFor(pageCount(members - 1), k, VARIANT_REQUESTS),
          'page[size]': PAGE_SIZE,
        }),
      expect: (members, k) => ({
        total: members - 1,
        length: pageLength(members - 1, pageFor(pageCount(members - 1), k, VARIANT_REQUESTS)),
      }),
    },
  },
];

const timedList = async (
  baseUrl: string,
  token: string,
  organization: string,
  members: number,
  query: Query,
  k: number,
): Promise<number> => {
  const path = query.path(organization, members, k);
  const t = performance.now();
  const answer = await call(baseUrl, 'GET', path, undefined, token);
  const ms = performance.now() - t;
  expectStatus(`GET ${path}`, answer, 200);
  const { total, length } = query.expect(members, k);
  const got = answer.json?.data?.length;
  const totalCount = answer.json?.meta?.pagination?.['total-count'];
  const counts = answer.json?.meta?.['status-counts'];
  if (got !== length || totalCount !== total || counts?.total !== members || counts?.invited !== members - 1)
    throw new Error(
      `GET ${path}: ${got} memberships, total-count ${totalCount}, status-counts ${JSON.stringify(counts)} ` +
        `(expected ${length}, ${total}, total ${members} / invited ${members - 1})`,
    );
  return ms;
};

/** Each query on each organization, interleaved request by request so that all see the same machine load. */
const listCells = async (
  baseUrl: string,
  token: string,
  organizations: readonly SeedResult[],
  pagesOfBig: number,
): Promise<{ query: string; requests: number; stats: Stats[] }[]> => {
  const rows: { query: string; requests: number; stats: Stats[] }[] = [];
  for (const { query, requests } of queries(pagesOfBig)) {
    for (let k = 0; k < WARM_UP; k++)
      for (const o of organizations) await timedList(baseUrl, token, o.organization, o.members, query, k);
    const times = organizations.map((): number[] => []);
    for (let k = 0; k < requests; k++)
      for (const [i, o] of organizations.entries())
        times[i]!.push(await timedList(baseUrl, token, o.organization, o.members, query, k));
    const stats = times.map(statsOf);
    console.error(
      `list ${query.label}: ${requests} requests; ` +
        organizations
          .map(
            (o, i) =>
              `${o.members} members p50 ${stats[i]!.p50.toFixed(1)} ms, p99 ${stats[i]!.p99.toFixed(1)} ms`,
          )
          .join('; '),
    );
    rows.push({ query: query.label, requests, stats });
  }
  return rows;
};

/** Waits until `expected` mails are out or `until` (perf clock); returns the count then. */
const waitForMails = async (mailsSent: () => number, expected: number, until: number) => {
  while (mailsSent() < expected && performance.now() < until) await new Promise((r) => setTimeout(r, 250));
  return mailsSent();
};

interface ListPhase {
  mode: string;
  seeds: SeedResult[];
  rows: ListRow[];
  /** Seconds from the last invite's 201 until every mail was out; mails out then, and expected. */
  drainS: number;
  /** Mails out ÷ time from the first invite to the last mail (or the drain limit). */
  mailRate: number;
  mailsOut: number;
  mailsExpected: number;
  rssMb?: number;
}

const listPhase = async (
  baseUrl: string,
  mode: string,
  prefix: string,
  members: number,
  mailsSent: () => number,
  pid?: number,
): Promise<ListPhase> => {
  const smallOrg = `${prefix}-small-${RUN}`;
  const bigOrg = `${prefix}-big-${RUN}`;
  const token = await ownerWithOrganizations(baseUrl, prefix, [smallOrg, bigOrg]);
  const seedBegan = performance.now();
  const deadline = Math.min(seedBegan + SEED_BUDGET_MS, DEADLINE - LIST_RESERVE_MS);
  const small = await seed(baseUrl, token, smallOrg, SMALL_MEMBERS, Infinity);
  // The baseline organization alone first: the read model holds ~100 memberships (its invitation mails out first).
  await waitForMails(mailsSent, small.invites + 1, performance.now() + 60_000);
  await quiesce();
  const alone = await listCells(baseUrl, token, [small], pageCount(members));
  const big = await seed(baseUrl, token, bigOrg, members, deadline);
  if (big.members < members)
    console.error(
      `seeding stopped at ${big.members} of ${members} members: BENCH_SEED_BUDGET_S (${SEED_BUDGET_MS / 1000} s) ` +
        'or BENCH_DEADLINE_S reached',
    );
  // The relay publishes on its poll and the notification service sends one mail at a time: wait until every
  // invitation mail is out (plus the owner's confirmation mail), then until the servers are idle.
  const mailsExpected = small.invites + big.invites + 1;
  console.error(`waiting for the ${mailsExpected} mails to go out…`);
  const seededAt = performance.now();
  const mailsOut = await waitForMails(
    mailsSent,
    mailsExpected,
    Math.min(seededAt + MAIL_DRAIN_LIMIT_MS, DEADLINE - LIST_TIME_MS),
  );
  const drainS = (performance.now() - seededAt) / 1000;
  const mailRate = mailsOut / ((performance.now() - seedBegan) / 1000);
  if (mailsOut < mailsExpected)
    console.error(
      `only ${mailsOut} of ${mailsExpected} mails out after ${drainS.toFixed(0)} s; measuring anyway`,
    );
  else console.error(`all mails out ${drainS.toFixed(1)} s after the last invite`);
  await quiesce();
  const rows: ListRow[] = (await listCells(baseUrl, token, [big, small], pageCount(big.members))).map(
    (r, i) => ({
      query: r.query,
      requests: r.requests,
      big: r.stats[0]!,
      small: r.stats[1]!,
      smallAlone: alone[i]?.stats[0],
    }),
  );
  return {
    mode,
    seeds: [small, big],
    rows,
    drainS,
    mailRate,
    mailsOut,
    mailsExpected,
    rssMb: pid ? rssMb(pid) : undefined,
  };
};

// ------------------------------------------------------------------------------------------------------ main

const main = async () => {
  const cores = availableParallelism();
  const startedAt = performance.now();
  console.error(
    `${cores} cores, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; BENCH_INVITES=${INVITES}, BENCH_MEMBERS=${MEMBERS}, BENCH_DIST_MEMBERS=${DIST_MEMBERS}`,
  );
  const smtp = await startSmtpServer();
  cleanups.push(() => smtp.close());

  // 1. Invite → mail, embedded.
  const mailCells: MailCell[] = [];
  if (INVITES > 0) {
    const dataDir = mkdtempSync(join(tmpdir(), 'bench-membership-mail-'));
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    console.error('starting the embedded platform (SMTP)…');
    const { url } = await startPlatform(dataDir, smtp.url);
    mailCells.push(...(await inviteToMail(url, smtp, 'embedded', 'be')));
    await stopProcesses();
    smtp.reset();
  }

  // 2. Invite → mail (and optionally the list), distributed.
  const { POSTGRES_URL, KAFKA_BROKERS, MONGO_URL } = process.env;
  const missing = Object.entries({ POSTGRES_URL, KAFKA_BROKERS, MONGO_URL })
    .filter(([, v]) => !v)
    .map(([k]) => k);
  let distributedNote: string;
  const listPhases: ListPhase[] = [];
  if (missing.length > 0) {
    distributedNote = `distributed mode skipped: ${missing.join(', ')} not set (eval "$(deploy/local/env)")`;
    console.error(distributedNote);
  } else if (INVITES === 0 && DIST_MEMBERS < 2) {
    distributedNote = 'distributed mode skipped: BENCH_INVITES=0 and BENCH_DIST_MEMBERS=0';
    console.error(distributedNote);
  } else {
    console.error('starting identity, membership, token, notification and gateway…');
    const bootBegan = performance.now();
    const gatewayUrl = await startDistributed(smtp.url);
    console.error(`distributed services ready in ${((performance.now() - bootBegan) / 1000).toFixed(1)} s`);
    if (INVITES > 0) mailCells.push(...(await inviteToMail(gatewayUrl, smtp, 'distributed', 'bd')));
    if (DIST_MEMBERS > 1) {
      smtp.reset();
      listPhases.push(
        await listPhase(gatewayUrl, 'distributed', 'ld', DIST_MEMBERS, () => smtp.stats.accepted),
      );
    }
    await stopAll();
    distributedNote =
      'distributed: identity, membership, token, notification, gateway processes; PostgreSQL event store, Kafka, MongoDB (FerretDB) read models';
  }

  // 3. The list, embedded (mail to the outbox folder).
  if (MEMBERS > 1) {
    const dataDir = mkdtempSync(join(tmpdir(), 'bench-membership-list-'));
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    console.error('starting the embedded platform (outbox)…');
    const { url, pid } = await startPlatform(dataDir);
    const outbox = join(dataDir, 'outbox');
    const outboxFiles = () => {
      try {
        return readdirSync(outbox).filter((f) => f.endsWith('.eml')).length;
      } catch {
        return 0;
      }
    };
    listPhases.unshift(await listPhase(url, 'embedded', 'le', MEMBERS, outboxFiles, pid));
    await stopProcesses();
  }

  // Tables.
  const f = (n: number, digits = 1) =>
    Number.isFinite(n)
      ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
      : '–';
  const x = (ratio: number) => (Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : '–');
  const mode = (m: string) =>
    m === 'embedded' ? 'embedded (`platform`, PGlite)' : 'distributed (5 processes)';
  const out: string[] = [
    `membership benchmark (${new Date().toISOString()}, Node ${process.version}, ${cores} cores shared by the server ` +
      `processes and this load generator, load average ${loadavg()[0]!.toFixed(2)}, ${((performance.now() - startedAt) / 1000).toFixed(0)} s; ` +
      `${distributedNote})`,
    '',
    `Invite → invitation mail received over SMTP (${INVITES} invites per row, each to a fresh address; baseline: the POST's own latency)`,
    '',
    '| mode | load | invites | POST → 201 p50 ms | p99 | max | invite → mail p50 ms | p99 | max | mail − 201 p50 ms | p99 | mail p50 × POST p50 |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...mailCells.map(
      (c) =>
        `| ${mode(c.mode)} | ${c.load} | ${c.post.n} | ${f(c.post.p50)} | ${f(c.post.p99)} | ${f(c.post.max)} | ` +
        `${f(c.mail.p50)} | ${f(c.mail.p99)} | ${f(c.mail.max)} | ${f(c.after.p50)} | ${f(c.after.p99)} | ${x(c.mail.p50 / c.post.p50)} |`,
    ),
  ];
  for (const phase of listPhases) {
    const [small, big] = phase.seeds as [SeedResult, SeedResult];
    out.push(
      '',
      `Seeding over HTTP, ${mode(phase.mode)}: \`POST …/organization-memberships\`, ${SEED_CONCURRENCY} in flight` +
        (phase.mode === 'embedded'
          ? '; mail to the outbox folder (one .eml file per mail)'
          : '; mail over SMTP to the in-process test server') +
        `; ${phase.mailsOut.toLocaleString('en-US')} of ${phase.mailsExpected.toLocaleString('en-US')} mails out ` +
        `${f(phase.drainS)} s after the last invite's 201 (${f(phase.mailRate)} mails/s from the first invite on)` +
        (phase.rssMb ? `; platform RSS ${f(phase.rssMb, 0)} MB after seeding` : ''),
      '',
      '| organization | members | invites | seconds | invites/s | first 10 % invites/s | last 10 % invites/s | POST p50 ms | p99 | max |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...[small, big].map(
        (s) =>
          `| ${s === big ? 'large' : 'baseline'} | ${s.members.toLocaleString('en-US')}${s.members < s.target ? ` of ${s.target.toLocaleString('en-US')} (budget)` : ''} | ` +
          `${s.invites.toLocaleString('en-US')} | ${f(s.seconds)} | ${f(s.invites / s.seconds)} | ${f(s.firstRate)} | ${f(s.lastRate)} | ` +
          `${f(s.post.p50)} | ${f(s.post.p99)} | ${f(s.post.max)} |`,
      ),
      '',
      `Membership list, ${mode(phase.mode)}: \`GET /api/v2/organizations/:org/organization-memberships\`, one request ` +
        `in flight; ${big.members.toLocaleString('en-US')}-member organization against the ${small.members}-member baseline (same queries, same run, interleaved); last two columns: the baseline organization measured before the large one was seeded (read model of ~${small.members} memberships)`,
      '',
      `| query | requests each | ${big.members.toLocaleString('en-US')} members p50 ms | p99 | max | ${small.members} members p50 ms | p99 | max | p50 × baseline | p99 × baseline | ${small.members} members before the large one was seeded: p50 ms | p99 |`,
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...phase.rows.map(
        (r) =>
          `| ${r.query} | ${r.requests} | ${f(r.big.p50)} | ${f(r.big.p99)} | ${f(r.big.max)} | ${f(r.small.p50)} | ` +
          `${f(r.small.p99)} | ${f(r.small.max)} | ${x(r.big.p50 / r.small.p50)} | ${x(r.big.p99 / r.small.p99)} | ` +
          `${f(r.smallAlone?.p50 ?? NaN)} | ${f(r.smallAlone?.p99 ?? NaN)} |`,
      ),
    );
  }
  console.log(out.join('\n'));
  await stopAll();
};

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    console.error(`${signal}: stopping the started processes…`);
    void stopAll().finally(() => process.exit(1));
  });

main().then(
  () => process.exit(0),
  async (error: unknown) => {
    console.error(error);
    for (const p of processes) {
      const out = p.output();
      if (out) console.error(`--- process output (last 2,000 chars) ---\n${out.slice(-2000)}`);
    }
    await stopAll();
    process.exit(1);
  },
);
