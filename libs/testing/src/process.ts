import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { workspaceRoot } from './infra';

/** A TCP port free on 127.0.0.1 right now. */
export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

export interface StartedProcess {
  child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** SIGKILL and wait: a crash, not a shutdown. */
  crash(): Promise<void>;
}

/**
 * Starts an app's `src/main.ts` as its own Node process, compiled on load (no build needed), with only the
 * given environment (plus PATH): tests see exactly what an operator's configuration does.
 */
export const startApp = (app: string, env: Record<string, string | undefined>): StartedProcess => {
  const root = workspaceRoot();
  const child = spawn(
    process.execPath,
    ['-r', join(root, 'tools/jest/register-ts.js'), join(root, `apps/${app}/src/main.ts`)],
    {
      cwd: root,
      env: { PATH: process.env.PATH, LOG_LEVEL: 'warn', HOST: '127.0.0.1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    output: () => output,
    crash: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
};

/** Polls `GET <url>/readyz` until it answers 200; fails early with the process output when it exits. */
export const waitReady = async (url: string, p: StartedProcess, timeoutMs = 30_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (p.child.exitCode !== null) throw new Error(`process exited with ${p.child.exitCode}:\n${p.output()}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`not ready within ${timeoutMs} ms:\n${p.output()}`);
};

/**
 * Starts each app as its own process on a free port with `env`, one after the other, each ready before the next
 * starts (a distributed deployment's services, in dependency order). Every started process is pushed onto
 * `started` at once, so the caller's teardown stops it even when a later one fails to start. Resolves with the
 * base URL of each app, in order.
 */
export const startReadyApps = async (
  apps: readonly string[],
  env: Record<string, string | undefined>,
  started: StartedProcess[],
  timeoutMs = 90_000,
): Promise<string[]> => {
  const urls: string[] = [];
  for (const app of apps) {
    const port = await freePort();
    const p = startApp(app, { ...env, PORT: String(port) });
    started.push(p);
    const url = `http://127.0.0.1:${port}`;
    await waitReady(url, p, timeoutMs);
    urls.push(url);
  }
  return urls;
};

/**
 * Waits until a gateway's requests reach the services: on a fresh Kafka broker the consumer groups may still be
 * forming right after the processes report ready, and a request in that window times out (503). Polls a request
 * identity always answers (`202` for any address, no mail for an unknown one) until it does.
 */
export const waitUntilServing = async (baseUrl: string, timeoutMs = 60_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${baseUrl}/api/v2/account/password-reset`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.api+json' },
      body: JSON.stringify({ data: { type: 'users', attributes: { email: 'warm-up@example.invalid' } } }),
    }).catch(() => undefined);
    if (res?.status === 202) return;
    if (Date.now() > deadline)
      throw new Error(`${baseUrl} did not reach its services within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
};
