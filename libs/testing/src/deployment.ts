import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InfraUrls } from './describe-with-infra';
import { distributedTestEnv } from './distributed-env';
import {
  freePort,
  startApp,
  startReadyApps,
  type StartedProcess,
  waitReady,
  waitUntilServing,
} from './process';
import { startSmtpServer, type TestSmtpServer } from './smtp';

export interface EmbeddedPlatformOptions {
  dataDir: string;
  /** Sets `SMTP_URL`. */
  smtp?: TestSmtpServer;
  /** A fixed port (a restart on the same address); a free one otherwise. */
  port?: number;
  /** More environment (`API_RATE_LIMITING_ENABLED`, `AUTH_CACHE_TTL_MS`, …). */
  env?: Record<string, string | undefined>;
}

export interface EmbeddedPlatform {
  /** `http://127.0.0.1:<port>`, also its `PUBLIC_URL`. */
  url: string;
  process: StartedProcess;
  /** SIGTERM, then resolves with the exit code (0 for a clean shutdown). */
  stop(): Promise<number | null>;
}

/**
 * Starts the embedded platform (`apps/platform`) as its own process with `PORT`, `DATA_DIR`, `PUBLIC_URL` (and
 * `SMTP_URL`) set, and waits until it is ready; a process that does not become ready is killed before the error.
 */
export const startEmbeddedPlatform = async (options: EmbeddedPlatformOptions): Promise<EmbeddedPlatform> => {
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const process = startApp('platform', {
    PORT: String(port),
    DATA_DIR: options.dataDir,
    ...(options.smtp ? { SMTP_URL: options.smtp.url } : {}),
    PUBLIC_URL: url,
    ...options.env,
  });
  const stop = async () => {
    process.child.kill('SIGTERM');
    return process.exited;
  };
  try {
    await waitReady(url, process, 60_000);
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, process, stop };
};

/**
 * Starts the embedded platform, runs `fn` against its URL, and stops it whatever `fn` did. Resolves with `fn`'s
 * result and the exit code, for the caller to assert a clean shutdown (`expect(exitCode).toBe(0)`).
 */
export const withEmbeddedPlatform = async <T>(
  options: EmbeddedPlatformOptions,
  fn: (url: string) => Promise<T>,
): Promise<{ result: T; exitCode: number | null }> => {
  const platform = await startEmbeddedPlatform(options);
  let result: T;
  try {
    result = await fn(platform.url);
  } catch (e) {
    await platform.stop();
    throw e;
  }
  return { result, exitCode: await platform.stop() };
};

/** What an embedded-platform suite shares: a temporary DATA_DIR and, when asked for, a test SMTP server. */
export interface EmbeddedSuiteFixture {
  readonly dataDir: string;
  /** Started in `beforeAll` (only with `{ smtp: true }`). */
  readonly smtp: TestSmtpServer;
}

/**
 * For an embedded-platform suite, inside its `describe`: makes a temporary DATA_DIR now and, with `smtp`, starts a
 * test SMTP server in `beforeAll`; closes the server and removes the directory in `afterAll`. The tests start the
 * platform themselves (`withEmbeddedPlatform`).
 */
export const embeddedSuiteFixture = (
  prefix: string,
  options: { smtp?: boolean } = {},
): EmbeddedSuiteFixture => {
  const dataDir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  let smtp: TestSmtpServer | undefined;
  beforeAll(async () => {
    if (options.smtp) smtp = await startSmtpServer();
  });
  afterAll(async () => {
    await smtp?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return {
    dataDir,
    get smtp() {
      if (!smtp) throw new Error('no SMTP server: ask the fixture for { smtp: true }');
      return smtp;
    },
  };
};

/** An embedded platform shared by a suite's tests (`embeddedPlatformFixture`). */
export interface EmbeddedPlatformFixture extends EmbeddedSuiteFixture {
  /** Whether `beforeAll` started the platform. */
  readonly started: boolean;
  /** Available from `beforeAll` on. */
  readonly url: string;
  readonly process: StartedProcess;
  /** SIGTERM once; every call resolves with the exit code. `afterAll` calls it too. */
  stop(): Promise<number | null>;
}

/**
 * For a suite whose tests share one embedded platform, inside its `describe`: a temporary DATA_DIR (and with
 * `smtp` a test SMTP server), and the platform started in a `beforeAll` declared before the suite's own; in
 * `afterAll` the platform is stopped (a suite asserts a clean shutdown with `expect(await fixture.stop()).toBe(0)`),
 * then the server closed and the directory removed.
 */
export const embeddedPlatformFixture = (
  prefix: string,
  options: { smtp?: boolean; env?: Record<string, string | undefined> } = {},
): EmbeddedPlatformFixture => {
  const dataDir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  let smtp: TestSmtpServer | undefined;
  let platform: EmbeddedPlatform | undefined;
  let stopped: Promise<number | null> | undefined;
  const running = () => {
    if (!platform) throw new Error('the embedded platform is not started (before beforeAll, or it failed)');
    return platform;
  };
  beforeAll(async () => {
    if (options.smtp) smtp = await startSmtpServer();
    platform = await startEmbeddedPlatform({ dataDir, smtp, env: options.env });
  }, 90_000);
  const stop = (): Promise<number | null> => (stopped ??= running().stop());
  afterAll(async () => {
    if (platform) await stop();
    await smtp?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return {
    dataDir,
    get smtp() {
      if (!smtp) throw new Error('no SMTP server: ask the fixture for { smtp: true }');
      return smtp;
    },
    get started() {
      return platform !== undefined;
    },
    get url() {
      return running().url;
    },
    get process() {
      return running().process;
    },
    stop,
  };
};

export interface DistributedDeployment {
  /** The gateway's base URL (also every process's `PUBLIC_URL`). */
  url: string;
  /** The deployment's environment (`distributedTestEnv`), e.g. `EVENT_STORE_URL` to read the stored events. */
  env: Record<string, string>;
  smtp: TestSmtpServer;
  /** Every started process, the gateway last. */
  processes: StartedProcess[];
  /** SIGTERM to every process, waits for them, closes the SMTP server, drops the deployment's database. */
  stop(): Promise<void>;
}

export interface DistributedDeploymentOptions {
  /** The services started (in order, each ready before the next) before the gateway. */
  services?: readonly string[];
  /** More environment for the gateway only. */
  gatewayEnv?: Record<string, string | undefined>;
}

/**
 * A whole distributed deployment under test: a private `distributedTestEnv`, a test SMTP server, the services and
 * then the gateway as their own processes, waited for until the gateway's requests reach the services. When a step
 * fails, what was started is stopped before the error.
 */
export const startDistributedDeployment = async (
  infra: InfraUrls,
  name: string,
  options: DistributedDeploymentOptions = {},
): Promise<DistributedDeployment> => {
  const services = options.services ?? ['identity', 'membership', 'token', 'notification'];
  const deployment = await distributedTestEnv(infra, name);
  const processes: StartedProcess[] = [];
  let smtp: TestSmtpServer | undefined;
  const stop = async () => {
    for (const p of processes) p.child.kill('SIGTERM');
    await Promise.all(processes.map((p) => p.exited));
    await smtp?.close();
    await deployment.cleanup();
  };
  try {
    smtp = await startSmtpServer();
    const gatewayPort = await freePort();
    const url = `http://127.0.0.1:${gatewayPort}`;
    const shared = { ...deployment.env, SMTP_URL: smtp.url, PUBLIC_URL: url };
    await startReadyApps(services, shared, processes);
    const gateway = startApp('gateway', { ...shared, PORT: String(gatewayPort), ...options.gatewayEnv });
    processes.push(gateway);
    await waitReady(url, gateway, 90_000);
    await waitUntilServing(url);
    return { url, env: deployment.env, smtp, processes, stop };
  } catch (e) {
    await stop();
    throw e;
  }
};
