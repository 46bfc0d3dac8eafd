import {
  describeWithInfra,
  type DistributedDeployment,
  runMembershipJourney,
  runTeamTokenJourney,
  runTokenExpiryJourney,
  runTokenTtlJourney,
  startDistributedDeployment,
  uniqueName,
} from '@idp/testing';

// The membership journey in distributed mode: gateway, identity, membership, token and notification as separate
// processes over real Kafka, PostgreSQL and FerretDB, invitation mail over real SMTP. HTTP only.
describeWithInfra(['postgres', 'kafka', 'mongo'], 'memberships, distributed services over HTTP', (infra) => {
  let deployment: DistributedDeployment | undefined;

  afterAll(async () => {
    await deployment?.stop();
  });

  it('runs the whole membership journey across processes', async () => {
    deployment = await startDistributedDeployment(infra(), 'memberships_e2e', {
      gatewayEnv: { API_RATE_LIMITING_ENABLED: 'false' },
    });
    const { url, smtp } = deployment;

    const prefix = uniqueName('d').replace(/_/g, '-').toLowerCase();
    const membership = await runMembershipJourney(url, smtp, prefix);
    // Team tokens in the organization the journey leaves (TFC-API §5.1, §5.2), across processes.
    await runTeamTokenJourney(url, membership);
    // User, team and organization tokens used across their expiry (issue 5), the gateway and the token service apart.
    const expiry = await runTokenExpiryJourney(url, membership.carol, prefix);
    console.info('token expiry, distributed (ms relative to expired-at):', JSON.stringify(expiry.figures));
    // Token TTL policies (TFC-API §5.4): membership bounds user tokens, the token service team and organization tokens.
    const ttl = await runTokenTtlJourney(url, membership.carol, membership.bob, prefix);
    console.info(
      'token TTL policy, distributed: team token ended',
      ttl.teamTokenEndedAfterMs,
      'ms after the policy',
    );
  }, 300_000);
});
