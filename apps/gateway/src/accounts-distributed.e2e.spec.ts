import {
  describeWithInfra,
  type DistributedDeployment,
  runAccountJourney,
  startDistributedDeployment,
  uniqueName,
} from '@idp/testing';

// Accounts end to end in distributed mode: gateway, identity, token and notification as separate processes over
// real Kafka, PostgreSQL and FerretDB (MongoDB wire protocol), mail over real SMTP. HTTP only.
describeWithInfra(['postgres', 'kafka', 'mongo'], 'accounts, distributed services over HTTP', (infra) => {
  let deployment: DistributedDeployment | undefined;

  afterAll(async () => {
    await deployment?.stop();
  });

  it('runs the whole account journey across processes', async () => {
    deployment = await startDistributedDeployment(infra(), 'accounts_e2e', {
      services: ['identity', 'token', 'notification'],
    });
    const { url, smtp } = deployment;

    const username = uniqueName('grace').replace(/_/g, '-');
    await runAccountJourney(url, smtp, {
      username,
      email: `${username}@example.org`,
    });
  }, 300_000);
});
