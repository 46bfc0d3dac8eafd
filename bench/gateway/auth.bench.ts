/**
 * Authenticated-request benchmark, through HTTP only: `GET /api/v2/account/details` with `Authorization: Bearer
 * <user API token>` against the embedded `platform`, compared with a bare server answering the same bytes on the
 * same machine in the same run; then the same with BENCH_AUTH_TOKENS (default 100,000) live user tokens in the store.
 *
 *   node -r ./tools/jest/register-ts.js bench/gateway/auth.bench.ts      # or: bash bench/run-all.sh gateway
 *
 * 1. A fresh embedded `platform` process (PGlite in a temp DATA_DIR, in-process bus, in-memory read models) with
 *    API_RATE_LIMITING_ENABLED=false (the per-user limiter, 30 req/s by default, would otherwise be the figure) and
 *    AUTH_CACHE_MAX_ENTRIES = BENCH_AUTH_MISS_TOKENS / 2 (see "cache-miss" below). One account signs up (a login does
 *    not need the e-mail confirmed), logs in, and creates BENCH_AUTH_MISS_TOKENS + 1 user tokens through
 *    `POST /api/v2/users/:id/authentication-tokens`, 8 at a time: the HTTP creation rate.
 * 2. The platform's answer to `GET /api/v2/account/details` is captured (body bytes, content type; every token of
 *    the user gets the same bytes). Two baseline processes serve exactly those bytes with that content type: a bare
 *    Fastify app (the Fastify the platform runs on) and plain `node:http` (`bare-server.ts`).
 * 3. The platform is restarted (it rebuilds its read models from the store, as it will over the large store) and
 *    measured. Cells, each BENCH_AUTH_SECONDS (default 10) after a 2 s warm-up, BENCH_AUTH_CONCURRENCY (default 16)
 *    requests in flight over keep-alive connections from this process (`node:http` Agent; no dependency added):
 *    - bare Fastify, bare node:http (same request headers; the token is ignored);
 *    - diagnostics: `GET /api/v2/ping` (public, 204: the platform's HTTP stack alone) and `GET /api/v2/organizations`
 *      with the warm token (authentication + one bus request answered from an in-memory read model);
 *    - warm cache: the same token every request (the gateway's 5 s credential cache answers; one miss per 5 s);
 *    - cache-miss: BENCH_AUTH_MISS_TOKENS distinct tokens round robin. The cache is LRU-bounded to half that many
 *      entries, so every request finds its token evicted and asks the token service (`token.verify-credential` →
 *      `user-tokens.get(sha256)`): the uncached verification path, with the product's code unchanged.
 * 4. Tokens up to BENCH_AUTH_TOKENS live ones. BENCH_AUTH_SEED=auto (default): over HTTP (8 at a time) when the
 *    measured creation rate would finish them in ≤ 4 minutes, otherwise by `seed-tokens.ts` with the platform stopped
 *    (the user-token decider and `EventStore.append` into the same PGlite store; see that file); =http or =script
 *    force one. The platform is restarted over them (boot timed), waited for until idle, and the bare Fastify, warm
 *    and cache-miss cells run again; the cache-miss cell now cycles BENCH_AUTH_MISS_TOKENS of the seeded tokens.
 *
 * Every answer must have the expected status and body length (anything else counts as an error; > 1 % fails the
 * run). Besides req/s and latency, each cell reports the server process's CPU time per request (from /proc): the
 * load generator shares the cores with the servers, so the CPU cost per request is the figure least distorted by
 * it. BENCH_AUTH_CPU_PROF=<folder>: the platform is sampled (`cpu-profile-preload.js`) and writes one profile per
 * start there; the bench prints each cell's time window for `cpu-profile-summary.ts --window`.
 * Every process started here gets SIGTERM at the end (also on failure and on SIGINT/SIGTERM); the temp folder
 * (data, captured body, seeded secrets) is removed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { freePort, startApp, type StartedProcess, waitReady } from '../../libs/testing/src/process';

const ROOT = resolve(__dirname, '../..');
const SECONDS = Number(process.env.BENCH_AUTH_SECONDS ?? 10);
const TOKENS = Number(process.env.BENCH_AUTH_TOKENS ?? 100_000);
const CONCURRENCY = Number(process.env.BENCH_AUTH_CONCURRENCY ?? 16);
const MISS_TOKENS = Number(process.env.BENCH_AUTH_MISS_TOKENS ?? 2_000);
const SEED = process.env.BENCH_AUTH_SEED ?? 'auto';
const CPU_PROF = process.env.BENCH_AUTH_CPU_PROF;
const CACHE_MAX_ENTRIES = Math.max(1, Math.floor(MISS_TOKENS / 2));
const CREATE_CONCURRENCY = 8;
const HTTP_SEED_BUDGET_S = 240;
const WARM_UP_MS = 2_000;
const DETAILS = '/api/v2/account/details';
const PING = '/api/v2/ping';
const ORGANIZATIONS = '/api/v2/organizations';
const JSONAPI = 'application/vnd.api+json';
const PASSWORD = 'violet lantern drifts over a quiet harbour 58';
const RUN = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

for (const [name, value, min] of [
  ['BENCH_AUTH_SECONDS', SECONDS, 1],
  ['BENCH_AUTH_CONCURRENCY', CONCURRENCY, 1],
  ['BENCH_AUTH_MISS_TOKENS', MISS_TOKENS, 2],
] as const)
  if (!Number.isSafeInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}`);
// The large store's cache-miss cell cycles BENCH_AUTH_MISS_TOKENS of the tokens added in step 4.
if (!Number.isSafeInteger(TOKENS) || TOKENS < 2 * MISS_TOKENS + 1)
  throw new Error(
    `BENCH_AUTH_TOKENS must be an integer ≥ 2 × BENCH_AUTH_MISS_TOKENS + 1 (${2 * MISS_TOKENS + 1})`,
  );
if (!['auto', 'http', 'script'].includes(SEED))
  throw new Error('BENCH_AUTH_SEED must be auto, http or script');

interface Cell {
  scenario: string;
  server: string;
  store: 'small' | 'large' | '—';
  liveTokens: number | undefined;
  requests: number;
  errors: number;
  rps: number;
  p50: number;
  p99: number;
  /** Server process CPU time (user + system, all threads) per request, µs. */
  serverCpuUs: number | undefined;
  /** This process's (the load generator's) CPU time per request, µs. */
  clientCpuUs: number;
}

const percentile = (sorted: Float64Array, p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;

/** CPU time (ms) used so far by a process and its threads, from /proc (undefined elsewhere). */
const cpuMs = (pid: number | undefined): number | undefined => {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in USER_HZ (100)
  } catch {
    return undefined;
  }
};

/** Resident set size (MiB) of a process, from /proc (undefined elsewhere). */
const rssMiB = (pid: number | undefined): number | undefined => {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
};

// ---------------------------------------------------------------------------------------------------------------
// Processes

interface Child {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  output(): string;
}

const children: Child[] = [];
const cleanups: (() => void)[] = [];

const adopt = (name: string, started: StartedProcess): Child => {
  const c = { name, child: started.child, exited: started.exited, output: started.output };
  children.push(c);
  return c;
};

/** Runs a bench/gateway script as its own Node process (compiled on load, like the apps). */
const spawnScript = (name: string, script: string, env: Record<string, string>): Child => {
  const child = spawn(
    process.execPath,
    ['-r', join(ROOT, 'tools/jest/register-ts.js'), join(__dirname, script)],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => {
    output += d;
    if (name === 'seed-tokens') process.stderr.write(d);
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const c = { name, child, exited, output: () => output };
  children.push(c);
  return c;
};

const stop = async (c: Child) => {
  if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGTERM');
  const late = setTimeout(() => c.child.kill('SIGKILL'), 15_000);
  await c.exited;
  clearTimeout(late);
  children.splice(children.indexOf(c), 1);
};

const stopAll = async () => {
  await Promise.all([...children].map(stop));
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
};

/**
 * Waits (≤ `maxMs`) until the given processes use < 5 % of a core each over 1 s: the platform's consumers and
 * relay must not run during a cell. Returns the seconds waited.
 */
const quiesce = async (procs: Child[], maxMs = 10_000): Promise<number> => {
  const began = Date.now();
  const total = () => procs.reduce((sum, p) => sum + (cpuMs(p.child.pid) ?? 0), 0);
  for (let before = total(); Date.now() - began < maxMs;) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = total();
    if (now - before < 50 * procs.length) break;
    before = now;
  }
  const s = (Date.now() - began) / 1000;
  console.error(`servers idle after ${s.toFixed(1)} s`);
  return s;
};

const startPlatform = async (
  dataDir: string,
): Promise<{ platform: Child; url: string; port: number; bootS: number }> => {
  const port = await freePort();
  const began = performance.now();
  const started = startApp('platform', {
    PORT: String(port),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    API_RATE_LIMITING_ENABLED: 'false',
    AUTH_CACHE_MAX_ENTRIES: String(CACHE_MAX_ENTRIES),
    ...(CPU_PROF
      ? {
          NODE_OPTIONS: `--require ${join(__dirname, 'cpu-profile-preload.js')}`,
          CPU_PROFILE_DIR: resolve(CPU_PROF),
        }
      : {}),
  });
  const platform = adopt('platform', started);
  const url = `http://127.0.0.1:${port}`;
  await waitReady(url, started, 300_000);
  return { platform, url, port, bootS: (performance.now() - began) / 1000 };
};

const startBare = async (kind: 'fastify' | 'http', bodyFile: string, contentType: string) => {
  const port = await freePort();
  const c = spawnScript(`bare ${kind}`, 'bare-server.ts', {
    BARE_KIND: kind,
    PORT: String(port),
    BARE_BODY_FILE: bodyFile,
    BARE_CONTENT_TYPE: contentType,
  });
  const deadline = Date.now() + 60_000;
  while (!c.output().includes('listening')) {
    if (c.child.exitCode !== null) throw new Error(`bare ${kind} exited:\n${c.output()}`);
    if (Date.now() > deadline) throw new Error(`bare ${kind} not listening within 60 s:\n${c.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { proc: c, port };
};

// ---------------------------------------------------------------------------------------------------------------
// HTTP

const api = async (
  baseUrl: string,
  method: string,
  path: string,
  expected: number,
  options: { body?: unknown; bearer?: string } = {},
): Promise<{ json: any; text: string; headers: Headers }> => {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      accept: JSONAPI,
      ...(options.body !== undefined ? { 'content-type': JSONAPI } : {}),
      ...(options.bearer ? { authorization: `Bearer ${options.bearer}` } : {}),
    },
    body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
  });
  const text = await res.text();
  if (res.status !== expected)
    throw new Error(`${method} ${path}: ${res.status} (expected ${expected}): ${text.slice(0, 500)}`);
  return { json: text ? JSON.parse(text) : undefined, text, headers: res.headers };
};

/** Creates `count` user tokens through HTTP, `CREATE_CONCURRENCY` at a time; returns the secrets and the time. */
const createTokensOverHttp = async (baseUrl: string, userId: string, bearer: string, count: number) => {
  const secrets: string[] = new Array<string>(count);
  let next = 0;
  const began = performance.now();
  let reported = began;
  await Promise.all(
    Array.from({ length: CREATE_CONCURRENCY }, async () => {
      while (next < count) {
        const i = next++;
        const { json } = await api(baseUrl, 'POST', `/api/v2/users/${userId}/authentication-tokens`, 201, {
          bearer,
          body: { data: { type: 'authentication-tokens', attributes: { description: `bench ${i}` } } },
        });
        secrets[i] = json.data.attributes.token;
        if (performance.now() - reported > 10_000) {
          reported = performance.now();
          const s = (reported - began) / 1000;
          console.error(`created ${i + 1} of ${count} tokens over HTTP in ${s.toFixed(0)} s`);
        }
      }
    }),
  );
  const s = (performance.now() - began) / 1000;
  return { secrets, s, perSecond: count / s };
};

interface Target {
  path: string;
  status: number;
  /** Body bytes every answer must have. */
  length: number;
}

/**
 * One cell: `CONCURRENCY` request loops over keep-alive connections, a warm-up, then `SECONDS` measured. Tokens are
 * taken round robin (one token: the same every time). An answer with another status or body length is an error.
 */
const load = async (
  meta: Pick<Cell, 'scenario' | 'server' | 'store' | 'liveTokens'>,
  port: number,
  target: Target,
  tokens: readonly string[],
  server: Child,
): Promise<Cell> => {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const headers = tokens.map((t) => ({ accept: JSONAPI, authorization: `Bearer ${t}` }));
  let turn = 0;
  const once = () =>
    new Promise<boolean>((resolveOnce, reject) => {
      const req = httpRequest(
        {
          agent,
          host: '127.0.0.1',
          port,
          path: target.path,
          method: 'GET',
          headers: headers[turn++ % headers.length],
        },
        (res) => {
          let bytes = 0;
          res.on('data', (chunk: Buffer) => (bytes += chunk.length));
          res.on('end', () => resolveOnce(res.statusCode === target.status && bytes === target.length));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });

  const run = async (ms: number, record: boolean) => {
    const latencies: number[] = [];
    let errors = 0;
    let firstError: string | undefined;
    const deadline = performance.now() + ms;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (performance.now() < deadline) {
          const t = performance.now();
          let ok: boolean;
          try {
            ok = await once();
          } catch (e) {
            ok = false;
            firstError ??= String(e);
          }
          if (record) latencies.push(performance.now() - t);
          if (!ok) errors++;
        }
      }),
    );
    return { latencies, errors, firstError };
  };

  await run(WARM_UP_MS, false);
  const cpu0 = cpuMs(server.child.pid);
  const client0 = process.cpuUsage();
  const began = performance.now();
  const monotonicUs0 = process.hrtime.bigint() / 1000n;
  const { latencies, errors, firstError } = await run(SECONDS * 1000, true);
  const ms = performance.now() - began;
  const cpu1 = cpuMs(server.child.pid);
  const client = process.cpuUsage(client0);
  // The same clock as V8's profile timestamps (CLOCK_MONOTONIC, µs): `cpu-profile-summary.ts --window` picks the cell.
  if (CPU_PROF)
    console.error(
      `cell window ${meta.scenario}/${meta.store}: --window ${monotonicUs0}-${process.hrtime.bigint() / 1000n} (pid ${server.child.pid})`,
    );
  agent.destroy();
  const sorted = Float64Array.from(latencies).sort();
  const cell: Cell = {
    ...meta,
    requests: sorted.length,
    errors,
    rps: sorted.length / (ms / 1000),
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    serverCpuUs:
      cpu0 !== undefined && cpu1 !== undefined && sorted.length
        ? ((cpu1 - cpu0) * 1000) / sorted.length
        : undefined,
    clientCpuUs: sorted.length ? (client.user + client.system) / sorted.length : 0,
  };
  console.error(
    `${meta.scenario} (${meta.server}, store ${meta.store}): ${cell.requests} requests in ${(ms / 1000).toFixed(1)} s, ` +
      `${cell.rps.toFixed(0)}/s, p50 ${cell.p50.toFixed(2)} ms, p99 ${cell.p99.toFixed(2)} ms, ` +
      `server CPU ${cell.serverCpuUs?.toFixed(0) ?? '?'} µs/req, client CPU ${cell.clientCpuUs.toFixed(0)} µs/req, ` +
      `errors ${errors}${firstError ? ` (first: ${firstError})` : ''}`,
  );
  if (errors > cell.requests / 100)
    throw new Error(`${meta.scenario} (${meta.server}): ${errors} of ${cell.requests} requests failed`);
  return cell;
};

/** Runs `seed-tokens.ts` on the (stopped) platform's data folder; returns the secrets and the seeding time. */
const seedTokens = async (dataDir: string, work: string, userId: string, count: number) => {
  const out = join(work, `seeded-${count}.txt`);
  const began = performance.now();
  const seeder = spawnScript('seed-tokens', 'seed-tokens.ts', {
    DATA_DIR: dataDir,
    SEED_USER_ID: userId,
    SEED_COUNT: String(count),
    SEED_OUT: out,
    SEED_CONCURRENCY: String(CREATE_CONCURRENCY),
  });
  const code = await seeder.exited;
  children.splice(children.indexOf(seeder), 1);
  if (code !== 0) throw new Error(`seed-tokens exited with ${code}:\n${seeder.output().slice(-2000)}`);
  const wallS = (performance.now() - began) / 1000;
  const report = JSON.parse(
    seeder
      .output()
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .pop()!,
  ) as { ms: number; perSecond: number };
  const secrets = readFileSync(out, 'utf8').trim().split('\n');
  if (secrets.length !== count) throw new Error(`seeded ${secrets.length} tokens, expected ${count}`);
  console.error(
    `seeded ${count} tokens in ${(report.ms / 1000).toFixed(1)} s (${report.perSecond}/s; ${wallS.toFixed(1)} s with the script's start-up)`,
  );
  return { secrets, s: report.ms / 1000, perSecond: report.perSecond };
};

// ---------------------------------------------------------------------------------------------------------------

const main = async () => {
  const cores = availableParallelism();
  const cpuModel = cpus()[0]?.model ?? '?';
  const load0 = loadavg();
  console.error(
    `${cores} cores (${cpuModel}), node ${process.version}, load average ${load0.map((l) => l.toFixed(2)).join(' ')}`,
  );
  const work = mkdtempSync(join(tmpdir(), 'bench-auth-'));
  cleanups.push(() => rmSync(work, { recursive: true, force: true }));
  const dataDir = join(work, 'data');

  // 1. A fresh platform, one account, its first tokens over HTTP (the HTTP creation rate).
  console.error('starting the embedded platform…');
  let boot = await startPlatform(dataDir);
  let { platform, url, port } = boot;
  const bootEmptyS = boot.bootS;
  console.error(`platform ready in ${bootEmptyS.toFixed(1)} s (empty store)`);
  const username = `bench-${RUN}`;
  await api(url, 'POST', '/api/v2/account/create', 201, {
    body: {
      data: { type: 'users', attributes: { username, email: `${username}@example.org`, password: PASSWORD } },
    },
  });
  const session = await api(url, 'POST', '/api/v2/session', 201, {
    body: { data: { type: 'sessions', attributes: { login: username, password: PASSWORD } } },
  });
  const sessionToken: string = session.json.data.attributes.token;
  const userId: string = (await api(url, 'GET', DETAILS, 200, { bearer: sessionToken })).json.data.id;
  console.error(
    `user ${userId}; creating ${MISS_TOKENS + 1} tokens over HTTP, ${CREATE_CONCURRENCY} at a time…`,
  );
  const created = await createTokensOverHttp(url, userId, sessionToken, MISS_TOKENS + 1);
  console.error(
    `${MISS_TOKENS + 1} tokens over HTTP in ${created.s.toFixed(1)} s: ${created.perSecond.toFixed(0)}/s`,
  );
  const [warmToken, ...missTokens] = created.secrets as [string, ...string[]];
  let liveTokens = created.secrets.length;

  // 2. The answer to imitate, and the baselines.
  const details = await api(url, 'GET', DETAILS, 200, { bearer: warmToken });
  const body = Buffer.from(details.text, 'utf8');
  const contentType = details.headers.get('content-type') ?? JSONAPI;
  for (const t of [missTokens[0]!, missTokens[missTokens.length - 1]!])
    if ((await api(url, 'GET', DETAILS, 200, { bearer: t })).text !== details.text)
      throw new Error('two tokens of one user got different account/details bodies');
  const bodyFile = join(work, 'details.json');
  writeFileSync(bodyFile, body);
  console.error(
    `captured ${body.length} bytes, ${contentType}; platform response headers: ${[...details.headers.keys()].join(', ')}`,
  );
  const detailsTarget: Target = { path: DETAILS, status: 200, length: body.length };
  const pingTarget: Target = { path: PING, status: 204, length: 0 };
  const organizations = await api(url, 'GET', ORGANIZATIONS, 200, { bearer: warmToken });
  const organizationsTarget: Target = {
    path: ORGANIZATIONS,
    status: 200,
    length: Buffer.byteLength(organizations.text),
  };
  const bareFastify = await startBare('fastify', bodyFile, contentType);
  const bareHttp = await startBare('http', bodyFile, contentType);

  // 3. Small store: restarted, so that both stores are measured on a process that just rebuilt its read models.
  await stop(platform);
  boot = await startPlatform(dataDir);
  ({ platform, url, port } = boot);
  const bootSmallS = boot.bootS;
  console.error(`platform ready in ${bootSmallS.toFixed(1)} s (${liveTokens} tokens)`);
  const cells: Cell[] = [];
  const bare = { liveTokens: undefined, store: '—' as const };
  const small = { server: 'platform', store: 'small' as const, liveTokens };
  await quiesce([platform], 30_000);
  cells.push(
    await load(
      { scenario: 'bare', server: 'Fastify', ...bare },
      bareFastify.port,
      detailsTarget,
      [warmToken],
      bareFastify.proc,
    ),
  );
  cells.push(
    await load(
      { scenario: 'bare', server: 'node:http', ...bare },
      bareHttp.port,
      detailsTarget,
      [warmToken],
      bareHttp.proc,
    ),
  );
  await quiesce([platform]);
  cells.push(await load({ scenario: 'ping', ...small }, port, pingTarget, [warmToken], platform));
  await quiesce([platform]);
  cells.push(
    await load({ scenario: 'organizations', ...small }, port, organizationsTarget, [warmToken], platform),
  );
  await quiesce([platform]);
  cells.push(await load({ scenario: 'warm cache', ...small }, port, detailsTarget, [warmToken], platform));
  await quiesce([platform]);
  cells.push(await load({ scenario: 'cache-miss', ...small }, port, detailsTarget, missTokens, platform));

  const rssSmall = rssMiB(platform.child.pid);

  // 4. Up to TOKENS live tokens.
  const toSeed = TOKENS - liveTokens;
  const projectedHttpS = toSeed / created.perSecond;
  const method = SEED === 'auto' ? (projectedHttpS <= HTTP_SEED_BUDGET_S ? 'http' : 'script') : SEED;
  console.error(
    `${toSeed} more tokens: over HTTP ≈ ${projectedHttpS.toFixed(0)} s at the measured rate; seeding by ${method}`,
  );
  let seeded: { secrets: string[]; s: number; perSecond: number };
  if (method === 'http') {
    await quiesce([platform]);
    seeded = await createTokensOverHttp(url, userId, sessionToken, toSeed);
    await stop(platform);
  } else {
    await stop(platform);
    seeded = await seedTokens(dataDir, work, userId, toSeed);
  }
  liveTokens += seeded.secrets.length;

  // 5. Large store.
  console.error(`restarting the platform over ${liveTokens} tokens…`);
  boot = await startPlatform(dataDir);
  ({ platform, url, port } = boot);
  const bootLargeS = boot.bootS;
  console.error(`platform ready in ${bootLargeS.toFixed(1)} s (${liveTokens} tokens)`);
  const idleAfterBootS = await quiesce([platform], 240_000);
  const { secrets } = seeded;
  // Seeded tokens verify (first, middle, last) and answer the same bytes.
  for (const t of [
    secrets[0]!,
    secrets[Math.floor(secrets.length / 2)]!,
    secrets[secrets.length - 1]!,
    warmToken,
  ])
    if ((await api(url, 'GET', DETAILS, 200, { bearer: t })).text !== details.text)
      throw new Error('a seeded token got a different account/details body');
  const stride = Math.floor(secrets.length / MISS_TOKENS);
  const largeMissTokens = Array.from({ length: MISS_TOKENS }, (_, i) => secrets[i * stride]!);
  const large = { server: 'platform', store: 'large' as const, liveTokens };
  cells.push(
    await load(
      { scenario: 'bare', server: 'Fastify', ...bare },
      bareFastify.port,
      detailsTarget,
      [warmToken],
      bareFastify.proc,
    ),
  );
  await quiesce([platform]);
  cells.push(await load({ scenario: 'warm cache', ...large }, port, detailsTarget, [warmToken], platform));
  await quiesce([platform]);
  cells.push(
    await load({ scenario: 'cache-miss', ...large }, port, detailsTarget, largeMissTokens, platform),
  );
  const rssLarge = rssMiB(platform.child.pid);
  await stopAll();

  // Tables.
  const f = (n: number | undefined, digits = 1) =>
    n === undefined
      ? '?'
      : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  const x = (ratio: number | undefined) =>
    ratio === undefined || !Number.isFinite(ratio) ? '—' : `${ratio.toFixed(ratio < 0.1 ? 3 : 2)}×`;
  const n = (v: number) => v.toLocaleString('en-US');
  // Each phase's bare Fastify cell is the baseline of the platform cells measured after it.
  const bareCells = cells.filter((c) => c.scenario === 'bare' && c.server === 'Fastify');
  const baselineOf = (c: Cell) => (c.store === 'large' ? bareCells[1]! : bareCells[0]!);
  const smallOf = (c: Cell) =>
    c.store === 'large' ? cells.find((s) => s.store === 'small' && s.scenario === c.scenario) : undefined;
  const scenarioLabel = (c: Cell) =>
    ({
      bare: `\`GET ${DETAILS}\`, no auth, fixed bytes`,
      ping: `\`GET ${PING}\` (public, 204: no auth, no bus; diagnostic: the HTTP stack's floor)`,
      organizations: `\`GET ${ORGANIZATIONS}\`, warm cache (diagnostic: auth + one bus request answered from an in-memory read model, no event store)`,
      'warm cache': `\`GET ${DETAILS}\`, warm cache (1 token)`,
      'cache-miss': `\`GET ${DETAILS}\`, cache-miss (${n(MISS_TOKENS)} tokens round robin)`,
    })[c.scenario] ?? c.scenario;
  const serverLabel = (c: Cell) =>
    c.server === 'platform'
      ? 'embedded `platform`'
      : `bare ${c.server} (baseline${c === bareCells[1] ? ', again' : ''})`;
  const load1 = loadavg();
  console.log(
    [
      `gateway auth benchmark (${new Date().toISOString()}, Node ${process.version}, ${cores} cores (${cpuModel}) shared ` +
        `by the servers and this load generator, load average ${load0[0]!.toFixed(2)} → ${load1[0]!.toFixed(2)}; ` +
        `${CONCURRENCY} requests in flight over keep-alive connections, ${SECONDS} s per cell after ${WARM_UP_MS / 1000} s ` +
        `warm-up; platform: PGlite, in-process bus, in-memory read models, API_RATE_LIMITING_ENABLED=false, ` +
        `AUTH_CACHE_MAX_ENTRIES=${CACHE_MAX_ENTRIES}, cache TTL 5 s (default); body ${body.length} bytes ${contentType})`,
      '',
      `| scenario | server | live user tokens | requests | req/s | p50 ms | p99 ms | req/s × bare Fastify | p99 × bare Fastify | server CPU µs/req | CPU/req × bare Fastify | req/s × same scenario, small store | CPU/req × same scenario, small store |`,
      '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...cells.map((c) => {
        const base = baselineOf(c);
        const smallCell = smallOf(c);
        return (
          `| ${scenarioLabel(c)} | ${serverLabel(c)} | ${c.liveTokens === undefined ? '—' : n(c.liveTokens)} ` +
          `| ${n(c.requests)} | ${f(c.rps, 0)} | ${f(c.p50, 2)} | ${f(c.p99, 2)} ` +
          `| ${x(c.rps / base.rps)} | ${x(c.p99 / base.p99)} | ${f(c.serverCpuUs, 0)} ` +
          `| ${x(c.serverCpuUs !== undefined && base.serverCpuUs ? c.serverCpuUs / base.serverCpuUs : undefined)} ` +
          `| ${smallCell ? x(c.rps / smallCell.rps) : '—'} ` +
          `| ${smallCell?.serverCpuUs && c.serverCpuUs !== undefined ? x(c.serverCpuUs / smallCell.serverCpuUs) : '—'} |`
        );
      }),
      '',
      `| setup | figure |`,
      '| --- | --- |',
      `| platform boot to ready: empty store / ${n(MISS_TOKENS + 1)} tokens / ${n(liveTokens)} tokens (read models rebuilt from the store) | ${f(bootEmptyS)} s / ${f(bootSmallS)} s / ${f(bootLargeS)} s |`,
      `| platform resident memory after its cells: ${n(MISS_TOKENS + 1)} tokens / ${n(liveTokens)} tokens | ${f(rssSmall, 0)} MiB / ${f(rssLarge, 0)} MiB |`,
      `| after the ${n(liveTokens)}-token boot, until idle (< 5 % of a core; the relay publishes the seeded events) | ${f(idleAfterBootS)} s |`,
      `| user tokens created over HTTP (\`POST /api/v2/users/:id/authentication-tokens\`, ${CREATE_CONCURRENCY} at a time) | ${n(MISS_TOKENS + 1)} in ${f(created.s)} s = ${f(created.perSecond, 0)}/s |`,
      `| ${n(toSeed)} more over HTTP at that rate (projected) | ${f(projectedHttpS, 0)} s |`,
      `| seeded ${method === 'http' ? 'over HTTP' : "by `seed-tokens.ts` (user-token decider + `EventStore.append` into the stopped platform's PGlite store)"}, ${CREATE_CONCURRENCY} at a time | ${n(toSeed)} in ${f(seeded.s)} s = ${f(seeded.perSecond, 0)}/s |`,
    ].join('\n'),
  );
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
    for (const c of children) {
      const out = c.output();
      if (out) console.error(`--- ${c.name} output (last 2,000 chars) ---\n${out.slice(-2000)}`);
    }
    await stopAll();
    process.exit(1);
  },
);
