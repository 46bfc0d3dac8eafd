import {
  distributedTestEnv,
  type DistributedTestEnv,
  describeWithInfra,
  freePort,
  runMembershipJourney,
  runTeamTokenJourney,
  startApp,
  startReadyApps,
  startSmtpServer,
  type StartedProcess,
  type TestSmtpServer,
  uniqueName,
  waitReady,
  waitUntilServing,
} from '@idp/testing';

// The membership journey in distributed mode: gateway, identity, membership, token and notification as separate
// processes over real Kafka, PostgreSQL and FerretDB, invitation mail over real SMTP. HTTP only.
describeWithInfra(['postgres', 'kafka', 'mongo'], 'memberships, distributed services over HTTP', (infra) => {
  let deployment: DistributedTestEnv | undefined;
  let smtp: TestSmtpServer;
  const processes: StartedProcess[] = [];

  afterAll(async () => {
    for (const p of processes) p.child.kill('SIGTERM');
    await Promise.all(processes.map((p) => p.exited));
    await smtp?.close();
    await deployment?.cleanup();
  });

  it('runs the whole membership journey across processes', async () => {
    deployment = await distributedTestEnv(infra(), 'memberships_e2e');
    smtp = await startSmtpServer();
    const gatewayPort = await freePort();
    const shared = {
      ...deployment.env,
      SMTP_URL: smtp.url,
      PUBLIC_URL: `http://127.0.0.1:${gatewayPort}`,
    };
    await startReadyApps(['identity', 'membership', 'token', 'notification'], shared, processes);
    const gateway = startApp('gateway', {
      ...shared,
      PORT: String(gatewayPort),
      API_RATE_LIMITING_ENABLED: 'false',
    });
    processes.push(gateway);
    await waitReady(`http://127.0.0.1:${gatewayPort}`, gateway, 90_000);
    await waitUntilServing(`http://127.0.0.1:${gatewayPort}`);

    const membership = await runMembershipJourney(
      `http://127.0.0.1:${gatewayPort}`,
      smtp,
      uniqueName('d').replace(/_/g, '-').toLowerCase(),
    );
    // Team tokens in the organization the journey leaves (TFC-API §5.1, §5.2), across processes.
    await runTeamTokenJourney(`http://127.0.0.1:${gatewayPort}`, membership);
  }, 300_000);
});
