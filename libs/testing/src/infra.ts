import { existsSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';

/** The pieces of real infrastructure that integration suites ask for. */
export type InfraKind = 'postgres' | 'kafka' | 'mongo' | 'eventstore';
export const INFRA_KINDS: readonly InfraKind[] = ['postgres', 'kafka', 'mongo', 'eventstore'];

export type InfraSource = 'env' | 'local' | 'testcontainers';
export interface ResolvedInfra {
  kind: InfraKind;
  url?: string;
  source?: InfraSource;
  /** Why it is missing, when `url` is absent. */
  reason?: string;
}

/** Environment variables that name a running instance explicitly (the same names deploy/local/env exports). */
export const INFRA_ENV: Record<InfraKind, string> = {
  postgres: 'POSTGRES_URL',
  kafka: 'KAFKA_BROKERS',
  mongo: 'MONGO_URL',
  eventstore: 'EVENTSTORE_URL',
};

/** Where the test run publishes what it resolved, for the Jest workers (set by the global setup). */
export const resolvedEnv = (kind: InfraKind) => `IDP_TEST_${kind.toUpperCase()}_URL`;
export const reasonEnv = (kind: InfraKind) => `IDP_TEST_${kind.toUpperCase()}_MISSING`;
export const flavorEnv = (kind: InfraKind) => `IDP_TEST_${kind.toUpperCase()}_FLAVOR`;

/**
 * Which server answers, where it changes what can be tested: the MongoDB wire protocol is spoken by MongoDB and
 * by FerretDB (used here without Docker), and FerretDB 1.x has no atomic conditional updates. Known before any
 * test is defined, so suites can skip (loudly) what the server cannot do instead of passing vacuously.
 */
export const probeFlavor = async (kind: InfraKind, url: string): Promise<string | undefined> => {
  if (kind !== 'mongo') return undefined;
  const { default: mongoose } = await import('mongoose');
  const connection = mongoose.createConnection(url, { serverSelectionTimeoutMS: 3000 });
  try {
    await connection.asPromise();
    const info = await connection.db!.admin().command({ buildInfo: 1 });
    return typeof info.ferretdbVersion === 'string'
      ? `ferretdb ${info.ferretdbVersion}`
      : `mongodb ${String(info.version)}`;
  } catch {
    return undefined;
  } finally {
    await connection.close().catch(() => undefined);
  }
};

/** The flavor the global setup found (`ferretdb 1.24.2`, `mongodb 7.0.1`), if any. */
export const infraFlavor = (kind: InfraKind): string | undefined => process.env[flavorEnv(kind)];

export const workspaceRoot = (): string => {
  let dir = __dirname;
  while (!existsSync(join(dir, 'nx.json'))) {
    const up = join(dir, '..');
    if (up === dir) throw new Error('workspace root (nx.json) not found');
    dir = up;
  }
  return dir;
};

/** URLs written by `deploy/local/up` for the instances it started. */
export const localInstanceUrls = (): Partial<Record<InfraKind, string>> => {
  const file = join(workspaceRoot(), 'deploy/local/.state/urls.env');
  if (!existsSync(file)) return {};
  const vars = Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#') && l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).replace(/^['"]|['"]$/g, '')]),
  );
  const out: Partial<Record<InfraKind, string>> = {};
  for (const kind of INFRA_KINDS) if (vars[INFRA_ENV[kind]]) out[kind] = vars[INFRA_ENV[kind]];
  return out;
};

/** host:port of the first address in a URL or broker list. */
export const hostPort = (url: string): { host: string; port: number } => {
  const first = url.split(',')[0]!.trim();
  const withScheme = first.includes('://') ? first : `tcp://${first}`;
  const u = new URL(withScheme);
  const defaults: Record<string, number> = {
    'postgres:': 5432,
    'postgresql:': 5432,
    'mongodb:': 27017,
    'esdb:': 2113,
    'kurrentdb:': 2113,
  };
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || defaults[u.protocol] || 0) };
};

/** True when something accepts TCP connections at the URL's first address within `timeoutMs`. */
export const isListening = (url: string, timeoutMs = 3000): Promise<boolean> =>
  new Promise((resolve) => {
    let target: { host: string; port: number };
    try {
      target = hostPort(url);
    } catch {
      return resolve(false);
    }
    const socket = createConnection(target);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });

/**
 * Resolves one piece of infrastructure in the documented order: an explicit URL in the environment, then a
 * local instance started by deploy/local, then testcontainers when a Docker engine answers. Never throws:
 * a missing piece comes back with the reason.
 */
export const resolveInfra = async (kind: InfraKind): Promise<ResolvedInfra> => {
  const explicit = process.env[INFRA_ENV[kind]];
  if (explicit) {
    return (await isListening(explicit))
      ? { kind, url: explicit, source: 'env' }
      : { kind, reason: `${INFRA_ENV[kind]}=${explicit} does not accept connections` };
  }
  const local = localInstanceUrls()[kind];
  if (local && (await isListening(local))) return { kind, url: local, source: 'local' };
  const started = await startContainer(kind);
  if (started.url) return { kind, url: started.url, source: 'testcontainers' };
  const hint =
    kind === 'eventstore'
      ? 'EventStoreDB cannot be installed without Docker; set EVENTSTORE_URL to a reachable server'
      : `start it with deploy/local/up ${kind === 'mongo' ? 'mongo' : kind} or set ${INFRA_ENV[kind]}`;
  return {
    kind,
    reason: `no ${INFRA_ENV[kind]}, ${local ? `local instance at ${local} not answering` : 'no local instance'}, ${started.reason}; ${hint}`,
  };
};

type StartedContainer = { stop(): Promise<unknown> };
const containers: StartedContainer[] = [];

/** Starts a throwaway container when a Docker engine answers; the same suites then run against it. */
const startContainer = async (kind: InfraKind): Promise<{ url?: string; reason: string }> => {
  let tc: typeof import('testcontainers');
  try {
    tc = await import('testcontainers');
    await tc.getContainerRuntimeClient();
  } catch {
    return { reason: 'no Docker engine for testcontainers' };
  }
  try {
    switch (kind) {
      case 'postgres': {
        const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
        const c = await new PostgreSqlContainer('postgres:16-alpine').start();
        containers.push(c);
        return { url: c.getConnectionUri(), reason: '' };
      }
      case 'kafka': {
        const { KafkaContainer } = await import('@testcontainers/kafka');
        const c = await new KafkaContainer('confluentinc/cp-kafka:7.9.0').withKraft().start();
        containers.push(c);
        return { url: `${c.getHost()}:${c.getMappedPort(9093)}`, reason: '' };
      }
      case 'mongo': {
        const { MongoDBContainer } = await import('@testcontainers/mongodb');
        const c = await new MongoDBContainer('mongo:7').start();
        containers.push(c);
        return { url: `${c.getConnectionString()}?directConnection=true`, reason: '' };
      }
      case 'eventstore': {
        const c = await new tc.GenericContainer('docker.kurrent.io/kurrent-latest/kurrentdb:25.0')
          .withEnvironment({
            KURRENTDB_INSECURE: 'true',
            KURRENTDB_MEM_DB: 'true',
            KURRENTDB_RUN_PROJECTIONS: 'None',
          })
          .withExposedPorts(2113)
          .withWaitStrategy(tc.Wait.forHttp('/health/live', 2113))
          .start();
        containers.push(c);
        return { url: `kurrentdb://${c.getHost()}:${c.getMappedPort(2113)}?tls=false`, reason: '' };
      }
    }
  } catch (err) {
    return { reason: `testcontainers could not start ${kind}: ${(err as Error).message}` };
  }
};

export const stopContainers = async () => {
  await Promise.allSettled(containers.splice(0).map((c) => c.stop()));
};
