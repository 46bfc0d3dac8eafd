import { join } from 'node:path';
import { openPGliteEventStore } from '@idp/eventing';
import {
  embeddedSuiteFixture,
  expectImpersonationRecorded,
  runAdminJourney,
  type StoredEventLike,
  uniqueName,
  withEmbeddedPlatform,
} from '@idp/testing';

// Site administration end to end in embedded mode (issue 7): one platform process, PGlite in DATA_DIR, mail over
// real SMTP; then the stored events of identity, membership and token (PGlite schemas of the stopped process).
describe('site administration, embedded platform over HTTP', () => {
  const suite = embeddedSuiteFixture('admin-e2e', { smtp: true });
  const dataDir = suite.dataDir;

  it('bootstraps an admin, suspends/unsuspends, impersonates with a reason, deletes; events name the impersonator', async () => {
    const { smtp } = suite;
    const { result, exitCode } = await withEmbeddedPlatform(
      {
        dataDir,
        smtp,
        env: {
          API_RATE_LIMITING_ENABLED: 'false',
          // A minute: a credential refused within the journey was refused by the hold or an eviction, not by expiry.
          AUTH_CACHE_TTL_MS: '60000',
        },
      },
      async (url) => {
        const journey = await runAdminJourney(url, smtp, uniqueName('a').replace(/_/g, '-').toLowerCase());
        console.log(
          `embedded: first request after the suspension answered 401 in ${journey.suspendedRefusedAfterMs.toFixed(1)} ms; the API token verified again ${journey.unsuspendedRestoredAfterMs.toFixed(0)} ms after the unsuspension`,
        );
        return journey;
      },
    );
    expect(exitCode).toBe(0);

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
    expectImpersonationRecorded(result, events);
  }, 240_000);
});
