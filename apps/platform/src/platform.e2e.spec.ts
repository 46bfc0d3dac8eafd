import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startApp, waitReady } from '@idp/testing';

// The embedded platform as a user starts it: a real process, over HTTP only.
describe('embedded platform process', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'platform-e2e-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts on PGlite in DATA_DIR, serves health, readiness and metrics, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const p = startApp('platform', { PORT: String(port), DATA_DIR: dataDir });
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitReady(url, p);
      expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
      expect(await (await fetch(`${url}/readyz`)).json()).toEqual({
        status: 'ok',
        checks: { 'event-store': 'ok' },
      });
      expect(await (await fetch(`${url}/metrics`)).text()).toContain('service="platform"');
    } finally {
      p.child.kill('SIGTERM');
    }
    expect(await p.exited).toBe(0);
  }, 60_000);

  it.each([
    [
      { EVENT_STORE_URL: 'mysql://db/x' },
      /^platform: configuration error: EVENT_STORE_URL: .*scheme mysql:/m,
    ],
    [
      { KAFKA_BROKERS: 'nohostport' },
      /^platform: configuration error: KAFKA_BROKERS: "nohostport" is not host:port/m,
    ],
    [
      { EVENT_STORE_URL: 'postgres://127.0.0.1:1/x' },
      /^platform: configuration error: EVENT_STORE_URL: 127\.0\.0\.1:1 is unreachable/m,
    ],
    [{ PORT: 'http' }, /^platform: configuration error: PORT: /m],
  ])(
    'refuses to start with %j: one line naming the setting, exit code 78',
    async (env, message) => {
      const p = startApp('platform', { DATA_DIR: dataDir, PORT: '0', ...env });
      expect(await p.exited).toBe(78);
      expect(p.output()).toMatch(message);
      expect(p.output().trim().split('\n')).toHaveLength(1);
    },
    30_000,
  );
});
