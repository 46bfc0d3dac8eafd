import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The embedded platform as a user starts it: a real process, over HTTP only.
const root = join(__dirname, '../../..');

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

const start = (env: Record<string, string>) => {
  const child = spawn(process.execPath, ['-r', join(root, 'tools/jest/register-ts.js'), join(root, 'apps/platform/src/main.ts')], {
    cwd: root,
    env: { PATH: process.env.PATH!, LOG_LEVEL: 'warn', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
};

const waitReady = async (url: string, child: ChildProcess, timeoutMs = 30_000) => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`process exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('not ready in time');
};

describe('embedded platform process', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'platform-e2e-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts on PGlite in DATA_DIR, serves health, readiness and metrics, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const p = start({ PORT: String(port), DATA_DIR: dataDir });
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitReady(url, p.child);
      expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
      expect(await (await fetch(`${url}/readyz`)).json()).toEqual({ status: 'ok', checks: { 'event-store': 'ok' } });
      expect(await (await fetch(`${url}/metrics`)).text()).toContain('service="platform"');
    } finally {
      p.child.kill('SIGTERM');
    }
    expect(await p.exited).toBe(0);
  }, 60_000);

  it.each([
    [{ EVENT_STORE_URL: 'mysql://db/x' }, /^platform: configuration error: EVENT_STORE_URL: .*scheme mysql:/m],
    [{ KAFKA_BROKERS: 'nohostport' }, /^platform: configuration error: KAFKA_BROKERS: "nohostport" is not host:port/m],
    [{ EVENT_STORE_URL: 'postgres://127.0.0.1:1/x' }, /^platform: configuration error: EVENT_STORE_URL: 127\.0\.0\.1:1 is unreachable/m],
    [{ PORT: 'http' }, /^platform: configuration error: PORT: /m],
  ])('refuses to start with %j: one line naming the setting, exit code 78', async (env, message) => {
    const p = start({ DATA_DIR: dataDir, PORT: '0', ...env });
    expect(await p.exited).toBe(78);
    expect(p.output()).toMatch(message);
    expect(p.output().trim().split('\n')).toHaveLength(1);
  }, 30_000);
});
