import {
  describeWithInfra,
  type DistributedDeployment,
  runMembershipJourney,
  runTeamTokenJourney,
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

    const membership = await runMembershipJourney(
      url,
      smtp,
      uniqueName('d').replace(/_/g, '-').toLowerCase(),
    );
    // Team tokens in the organization the journey leaves (TFC-API §5.1, §5.2), across processes.
    await runTeamTokenJourney(url, membership);
  }, 300_000);
});
