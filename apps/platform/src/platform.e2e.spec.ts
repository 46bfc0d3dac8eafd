import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPGlite, openPGliteEventStore } from '@idp/eventing';
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
        checks: {
          'event-store:identity': 'ok',
          'event-store:membership': 'ok',
          'event-store:token': 'ok',
          'event-store:notification': 'ok',
          bus: 'ok',
        },
      });
      expect(await (await fetch(`${url}/metrics`)).text()).toContain('service="platform"');
    } finally {
      p.child.kill('SIGTERM');
    }
    expect(await p.exited).toBe(0);
  }, 60_000);

  it('restarts on the same DATA_DIR with its stores intact', async () => {
    const db = await createPGlite(join(dataDir, 'event-store'));
    const store = await openPGliteEventStore({ db, schema: 'identity' });
    await store.append(`account-restart`, [{ type: 'AccountRegistered', data: { username: 'ada' } }], 'any');
    await db.close();

    const port = await freePort();
    const p = startApp('platform', { PORT: String(port), DATA_DIR: dataDir });
    try {
      await waitReady(`http://127.0.0.1:${port}`, p);
      const caughtUp = /relay_lag_events\{topic="identity.events",service="platform"\} 0\n/;
      let metrics = '';
      for (let i = 0; i < 100 && !caughtUp.test(metrics); i++) {
        metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(metrics).toMatch(caughtUp);
    } finally {
      p.child.kill('SIGTERM');
    }
    expect(await p.exited).toBe(0);
    const reopened = await createPGlite(join(dataDir, 'event-store'));
    const again = await openPGliteEventStore({ db: reopened, schema: 'identity' });
    expect((await again.readStream('account-restart')).length).toBeGreaterThanOrEqual(1);
    expect(await again.checkpoints.load('relay:identity.events')).toBeGreaterThanOrEqual(1n);
    await reopened.close();
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
    [{ API_RATE_LIMIT: 'lots' }, /^platform: configuration error: API_RATE_LIMIT: /m],
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
