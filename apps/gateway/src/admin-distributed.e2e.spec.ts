import { openPostgresEventStore } from '@idp/eventing';
import {
  describeWithInfra,
  type DistributedDeployment,
  expectImpersonationRecorded,
  runAdminJourney,
  startDistributedDeployment,
  type StoredEventLike,
  uniqueName,
} from '@idp/testing';

// The site-administration journey in distributed mode: gateway, identity, membership, token and notification as
// separate processes over real Kafka, PostgreSQL and FerretDB, mail over real SMTP; then the services' stored
// events, read from their PostgreSQL schemas.
describeWithInfra(
  ['postgres', 'kafka', 'mongo'],
  'site administration, distributed services over HTTP',
  (infra) => {
    let deployment: DistributedDeployment | undefined;

    afterAll(async () => {
      await deployment?.stop();
    });

    it('runs the whole admin journey across processes; the events name the impersonator', async () => {
      deployment = await startDistributedDeployment(infra(), 'admin_e2e', {
        gatewayEnv: { API_RATE_LIMITING_ENABLED: 'false', AUTH_CACHE_TTL_MS: '60000' },
      });
      const { url, smtp } = deployment;

      const result = await runAdminJourney(url, smtp, uniqueName('d').replace(/_/g, '-').toLowerCase());
      console.log(
        `distributed: first request after the suspension answered 401 in ${result.suspendedRefusedAfterMs.toFixed(1)} ms; the API token verified again ${result.unsuspendedRestoredAfterMs.toFixed(0)} ms after the unsuspension`,
      );

      const events: Record<'identity' | 'membership' | 'token', StoredEventLike[]> = {
        identity: [],
        membership: [],
        token: [],
      };
      for (const service of ['identity', 'membership', 'token'] as const) {
        const store = await openPostgresEventStore({ url: deployment.env.EVENT_STORE_URL!, schema: service });
        try {
          events[service] = (await store.readAll(undefined, 100_000)) as unknown as StoredEventLike[];
        } finally {
          await store.close();
        }
      }
      expectImpersonationRecorded(result, events);
    }, 360_000);
  },
);
