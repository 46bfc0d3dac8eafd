/**
 * Accounts benchmark, through HTTP only: logins/s against the raw argon2id verify rate, and sign-up latency in
 * embedded and distributed mode.
 *
 *   eval "$(deploy/local/env)"    # optional: POSTGRES_URL, KAFKA_BROKERS, MONGO_URL for the distributed part
 *   node -r ./tools/jest/register-ts.js bench/identity/accounts.bench.ts
 *
 * 1. Baselines, in this process: raw `@node-rs/argon2` verify (OWASP m=19456 KiB, t=2, p=1) at 1 and 2 concurrent
 *    calls, and raw hash at 1 and 4 (the sign-up baseline).
 * 2. Embedded: one `platform` process (PGlite in a temp DATA_DIR, mail to its outbox folder). Sign-ups
 *    (`POST /api/v2/account/create`) one at a time, then 4 at a time; then logins (`POST /api/v2/session`, 201
 *    expected) at 1, 2, 4 and 8 concurrent request streams. Each stream logs in only its own users, round robin,
 *    always with the right password, so the login throttle (per login name) never engages and never serialises two
 *    streams on one throttle stream.
 * 3. Distributed, when POSTGRES_URL, KAFKA_BROKERS and MONGO_URL are all set: `identity`, `token`, `notification`
 *    and `gateway` as four processes on a fresh PostgreSQL database (dropped at the end), Kafka and a fresh
 *    MongoDB database (dropped at the end); the same two sign-up cells through the gateway.
 *
 * Every cell stops at its operation count or its deadline, whichever comes first (BENCH_ACCOUNTS_SECONDS, default
 * 15 s per cell), after a few warm-up requests. All traffic goes to 127.0.0.1. Every process started here gets
 * SIGTERM at the end (also on failure and on SIGINT/SIGTERM). The server processes and this load generator share
 * the machine's cores: on 2 cores the figures are a lower bound of what a dedicated server does.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import type { Algorithm, Options } from '@node-rs/argon2';
import { MongoClient } from 'mongodb';
import { OWASP_ARGON2ID_PARAMS } from '../../libs/identity/src/infrastructure/password';
import { createPostgresDatabase } from '../../libs/testing/src/postgres';
import { freePort, startApp, type StartedProcess, waitReady } from '../../libs/testing/src/process';

const CELL_MS = Number(process.env.BENCH_ACCOUNTS_SECONDS ?? 15) * 1000;
const VERIFY_OPS = 200;
const HASH_OPS = 100;
const SIGNUP_SEQ_OPS = 150;
const SIGNUP_CONC_OPS = 300;
const LOGIN_OPS = 600;
const LOGIN_STREAMS = [1, 2, 4, 8];
const VERIFY_WORKERS = [1, 2];
const HASH_WORKERS = [1, 4];
const SIGNUP_CONCURRENCY = 4;
const WARM_UP = 3;
const PASSWORD = 'violet lantern drifts over a quiet harbour 58';
const RAW_OPTIONS: Options = { ...OWASP_ARGON2ID_PARAMS, algorithm: 2 as Algorithm, version: 1 };
const JSONAPI = 'application/vnd.api+json';
const RUN = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

interface Cell {
  label: string;
  mode: string;
  concurrency: number;
  ops: number;
  opsPerSec: number;
  p50: number;
  p99: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;

/** Runs `once(worker, i)` on `workers` concurrent loops until `maxOps` operations were issued or `maxMs` elapsed. */
const measure = async (
  label: string,
  mode: string,
  workers: number,
  maxOps: number,
  maxMs: number,
  once: (worker: number, i: number) => Promise<void>,
): Promise<Cell> => {
  const latencies: number[] = [];
  let issued = 0;
  const began = performance.now();
  const deadline = began + maxMs;
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      while (issued < maxOps && performance.now() < deadline) {
        const i = issued++;
        const t = performance.now();
        await once(worker, i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const ms = performance.now() - began;
  const sorted = latencies.sort((a, b) => a - b);
  const cell = {
    label,
    mode,
    concurrency: workers,
    ops: sorted.length,
    opsPerSec: sorted.length / (ms / 1000),
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
  };
  console.error(
    `${label} (${mode}) × ${workers}: ${cell.ops} in ${(ms / 1000).toFixed(1)} s, ${cell.opsPerSec.toFixed(1)}/s, ` +
      `p50 ${cell.p50.toFixed(1)} ms, p99 ${cell.p99.toFixed(1)} ms`,
  );
  return cell;
};

const post = async (baseUrl: string, path: string, body: unknown, expected: number) => {
  const res = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { accept: JSONAPI, 'content-type': JSONAPI },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== expected)
    throw new Error(`POST ${path}: ${res.status} (expected ${expected}): ${text.slice(0, 500)}`);
};

/** Sign-ups of fresh users; returns the usernames created, in order. */
class Users {
  readonly created: string[] = [];
  private next = 0;
  constructor(private readonly prefix: string) {}
  async signUp(baseUrl: string): Promise<void> {
    const username = `${this.prefix}-${RUN}-${this.next++}`;
    await post(
      baseUrl,
      '/api/v2/account/create',
      {
        data: {
          type: 'users',
          attributes: { username, email: `${username}@example.org`, password: PASSWORD },
        },
      },
      201,
    );
    this.created.push(username);
  }
}

const login = (baseUrl: string, username: string) =>
  post(
    baseUrl,
    '/api/v2/session',
    { data: { type: 'sessions', attributes: { login: username, password: PASSWORD } } },
    201,
  );

/** Sequential then concurrent sign-ups against `baseUrl`, after a warm-up. */
const signUpCells = async (baseUrl: string, mode: string, users: Users): Promise<Cell[]> => {
  for (let i = 0; i < WARM_UP; i++) await users.signUp(baseUrl);
  await quiesce();
  const sequential = await measure('sign-up', mode, 1, SIGNUP_SEQ_OPS, CELL_MS, () => users.signUp(baseUrl));
  await quiesce();
  const concurrent = await measure('sign-up', mode, SIGNUP_CONCURRENCY, SIGNUP_CONC_OPS, CELL_MS, () =>
    users.signUp(baseUrl),
  );
  return [sequential, concurrent];
};

const processes: StartedProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];

const stopAll = async () => {
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

/**
 * Waits (≤ 15 s) until the server processes use < 5 % of a core each over 500 ms: the consumers of the previous cell's
 * events (read models, confirmation mails) must not run during the next cell.
 */
const quiesce = async () => {
  const began = Date.now();
  const total = () => processes.reduce((sum, p) => sum + (cpuMs(p.child.pid!) ?? 0), 0);
  for (let before = total(); Date.now() - began < 15_000;) {
    await new Promise((r) => setTimeout(r, 500));
    const now = total();
    if (now - before < 25 * processes.length) break;
    before = now;
  }
  console.error(`servers idle after ${((Date.now() - began) / 1000).toFixed(1)} s`);
};

const startPlatform = async (dataDir: string): Promise<string> => {
  const port = await freePort();
  const platform = startApp('platform', { PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
  processes.push(platform);
  const url = `http://127.0.0.1:${port}`;
  await waitReady(url, platform, 90_000);
  return url;
};

const startDistributed = async (
  postgresUrl: string,
  kafkaBrokers: string,
  mongoUrl: string,
): Promise<string> => {
  const database = await createPostgresDatabase(postgresUrl, 'bench_accounts');
  cleanups.push(() => database.drop());
  const mongo = new URL(mongoUrl);
  mongo.pathname = `/bench_accounts_${RUN}`;
  cleanups.push(async () => {
    const client = new MongoClient(mongo.toString(), { serverSelectionTimeoutMS: 5000 });
    try {
      await client.connect();
      await client.db().dropDatabase();
    } finally {
      await client.close();
    }
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-accounts-dist-'));
  cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  const shared = {
    EVENT_STORE_URL: database.url,
    KAFKA_BROKERS: kafkaBrokers,
    MONGO_URL: mongo.toString(),
    SECRET_KEYS: randomBytes(32).toString('base64'),
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    DATA_DIR: dataDir, // the notification service's mail outbox (no SMTP_URL)
    LOG_LEVEL: 'warn',
  };
  let gatewayUrl = '';
  for (const app of ['identity', 'token', 'notification', 'gateway']) {
    const port = await freePort();
    const p = startApp(app, { ...shared, PORT: String(port) });
    processes.push(p);
    await waitReady(`http://127.0.0.1:${port}`, p, 90_000);
    if (app === 'gateway') gatewayUrl = `http://127.0.0.1:${port}`;
  }
  return gatewayUrl;
};

const main = async () => {
  const cores = availableParallelism();
  console.error(
    `${cores} cores, UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? '4 (default)'}, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );

  // 1. Baselines: raw argon2id in this process, before any server runs.
  const storedHash = await argon2Hash(PASSWORD, RAW_OPTIONS);
  for (let i = 0; i < WARM_UP; i++) await argon2Verify(storedHash, PASSWORD);
  const verifyCells: Cell[] = [];
  for (const w of VERIFY_WORKERS)
    verifyCells.push(
      await measure('raw argon2id verify', 'in this process', w, VERIFY_OPS, CELL_MS, async () => {
        if (!(await argon2Verify(storedHash, PASSWORD))) throw new Error('argon2 verify answered false');
      }),
    );
  const hashCells: Cell[] = [];
  for (const w of HASH_WORKERS)
    hashCells.push(
      await measure('raw argon2id hash', 'in this process', w, HASH_OPS, CELL_MS, async () => {
        await argon2Hash(PASSWORD, RAW_OPTIONS);
      }),
    );

  // 2. Embedded platform.
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-accounts-'));
  cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  console.error('starting the embedded platform…');
  const platformUrl = await startPlatform(dataDir);
  const embeddedUsers = new Users('bench');
  const signUps = await signUpCells(platformUrl, 'embedded', embeddedUsers);
  const loginCells: Cell[] = [];
  const pool = embeddedUsers.created;
  const maxStreams = Math.max(...LOGIN_STREAMS);
  if (pool.length < maxStreams) throw new Error(`only ${pool.length} users signed up, ${maxStreams} needed`);
  for (let i = 0; i < WARM_UP; i++) await login(platformUrl, pool[i]!);
  for (const streams of LOGIN_STREAMS) {
    // Stream s logs in users s, s + streams, s + 2 × streams…: no user is ever shared by two streams.
    const own = Array.from({ length: streams }, (_, s) => pool.filter((_, i) => i % streams === s));
    const turn = Array.from({ length: streams }, () => 0);
    await quiesce();
    loginCells.push(
      await measure('login', 'embedded', streams, LOGIN_OPS, CELL_MS, (s) =>
        login(platformUrl, own[s]![turn[s]++ % own[s]!.length]!),
      ),
    );
  }
  await stopAll();

  // 3. Distributed services.
  const { POSTGRES_URL, KAFKA_BROKERS, MONGO_URL } = process.env;
  const missing = Object.entries({ POSTGRES_URL, KAFKA_BROKERS, MONGO_URL })
    .filter(([, v]) => !v)
    .map(([k]) => k);
  let distributedNote: string;
  if (missing.length > 0) {
    distributedNote = `distributed mode skipped: ${missing.join(', ')} not set (eval "$(deploy/local/env)")`;
    console.error(distributedNote);
  } else {
    console.error('starting identity, token, notification and gateway…');
    const gatewayUrl = await startDistributed(POSTGRES_URL!, KAFKA_BROKERS!, MONGO_URL!);
    signUps.push(...(await signUpCells(gatewayUrl, 'distributed', new Users('benchd'))));
    await stopAll();
    distributedNote =
      'distributed: identity, token, notification, gateway processes; PostgreSQL event store, Kafka, MongoDB';
  }

  // Tables.
  const f = (n: number, digits = 1) =>
    n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  const x = (ratio: number) => `${ratio.toFixed(2)}×`;
  const verify1 = verifyCells[0]!;
  const hash1 = hashCells[0]!;
  const { memoryCost, timeCost, parallelism } = OWASP_ARGON2ID_PARAMS;
  console.log(
    [
      `accounts benchmark (${new Date().toISOString()}, Node ${process.version}, ${cores} cores shared by the ` +
        `server processes and this load generator, load average ${loadavg()[0]!.toFixed(2)}; argon2id m=${memoryCost} KiB, ` +
        `t=${timeCost}, p=${parallelism}; ≤ ${CELL_MS / 1000} s per cell; ${distributedNote})`,
      '',
      `| login path | mode | concurrency | logins | logins/s | p50 ms | p99 ms | logins/s × raw verify, 1 call |`,
      '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...[...verifyCells, ...loginCells].map(
        (c) =>
          `| ${c.label === 'login' ? '`POST /api/v2/session`' : `${c.label} (baseline)`} | ${c.mode} | ${c.concurrency} | ${c.ops} | ${f(c.opsPerSec)} | ${f(c.p50)} | ${f(c.p99)} | ${x(c.opsPerSec / verify1.opsPerSec)} |`,
      ),
      '',
      `| sign-up path | mode | concurrency | sign-ups | sign-ups/s | p50 ms | p99 ms | p50 × raw hash p50, 1 call |`,
      '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...[...hashCells, ...signUps].map(
        (c) =>
          `| ${c.label === 'sign-up' ? '`POST /api/v2/account/create`' : `${c.label} (baseline)`} | ${c.mode} | ${c.concurrency} | ${c.ops} | ${f(c.opsPerSec)} | ${f(c.p50)} | ${f(c.p99)} | ${x(c.p50 / hash1.p50)} |`,
      ),
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
    for (const p of processes) {
      const out = p.output();
      if (out) console.error(`--- process output (last 2,000 chars) ---\n${out.slice(-2000)}`);
    }
    await stopAll();
    process.exit(1);
  },
);
