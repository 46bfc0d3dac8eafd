import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPGliteEventStore } from '@idp/eventing';
import {
  expectImpersonationRecorded,
  freePort,
  runAdminJourney,
  startApp,
  startSmtpServer,
  type StoredEventLike,
  type TestSmtpServer,
  uniqueName,
  waitReady,
} from '@idp/testing';

// Site administration end to end in embedded mode (issue 7): one platform process, PGlite in DATA_DIR, mail over
// real SMTP; then the stored events of identity, membership and token (PGlite schemas of the stopped process).
describe('site administration, embedded platform over HTTP', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'admin-e2e-'));
  let smtp: TestSmtpServer;

  beforeAll(async () => {
    smtp = await startSmtpServer();
  });
  afterAll(async () => {
    await smtp?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('bootstraps an admin, suspends/unsuspends, impersonates with a reason, deletes; events name the impersonator', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const platform = startApp('platform', {
      PORT: String(port),
      DATA_DIR: dataDir,
      SMTP_URL: smtp.url,
      PUBLIC_URL: url,
      API_RATE_LIMITING_ENABLED: 'false',
      // A minute: a credential refused within the journey was refused by the hold or an eviction, not by expiry.
      AUTH_CACHE_TTL_MS: '60000',
    });
    let result: Awaited<ReturnType<typeof runAdminJourney>> | undefined;
    try {
      await waitReady(url, platform, 60_000);
      result = await runAdminJourney(url, smtp, uniqueName('a').replace(/_/g, '-').toLowerCase());
      console.log(
        `embedded: first request after the suspension answered 401 in ${result.suspendedRefusedAfterMs.toFixed(1)} ms; the API token verified again ${result.unsuspendedRestoredAfterMs.toFixed(0)} ms after the unsuspension`,
      );
    } finally {
      platform.child.kill('SIGTERM');
    }
    expect(await platform.exited).toBe(0);

    // The process is gone: its PGlite database can be opened here (one schema per service).
    const events: Record<'identity' | 'membership' | 'token', StoredEventLike[]> = {
      identity: [],
      membership: [],
      token: [],
    };
    for (const service of ['identity', 'membership', 'token'] as const) {
      const store = await openPGliteEventStore({ dataDir: join(dataDir, 'event-store'), schema: service });
      try {
        events[service] = (await store.readAll(undefined, 100_000)) as unknown as StoredEventLike[];
      } finally {
        await store.close();
      }
    }
    expectImpersonationRecorded(result!, events);
  }, 240_000);
});
