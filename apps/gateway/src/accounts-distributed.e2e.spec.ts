import {
  distributedTestEnv,
  type DistributedTestEnv,
  describeWithInfra,
  freePort,
  runAccountJourney,
  startApp,
  startReadyApps,
  startSmtpServer,
  type StartedProcess,
  type TestSmtpServer,
  uniqueName,
  waitReady,
  waitUntilServing,
} from '@idp/testing';

// Accounts end to end in distributed mode: gateway, identity, token and notification as separate processes over
// real Kafka, PostgreSQL and FerretDB (MongoDB wire protocol), mail over real SMTP. HTTP only.
describeWithInfra(['postgres', 'kafka', 'mongo'], 'accounts, distributed services over HTTP', (infra) => {
  let deployment: DistributedTestEnv | undefined;
  let smtp: TestSmtpServer;
  const processes: StartedProcess[] = [];

  afterAll(async () => {
    for (const p of processes) p.child.kill('SIGTERM');
    await Promise.all(processes.map((p) => p.exited));
    await smtp?.close();
    await deployment?.cleanup();
  });

  it('runs the whole account journey across processes', async () => {
    deployment = await distributedTestEnv(infra(), 'accounts_e2e');
    smtp = await startSmtpServer();
    const gatewayPort = await freePort();
    const shared = {
      ...deployment.env,
      SMTP_URL: smtp.url,
      PUBLIC_URL: `http://127.0.0.1:${gatewayPort}`,
    };
    await startReadyApps(['identity', 'token', 'notification'], shared, processes);
    const gateway = startApp('gateway', { ...shared, PORT: String(gatewayPort) });
    processes.push(gateway);
    await waitReady(`http://127.0.0.1:${gatewayPort}`, gateway, 90_000);
    await waitUntilServing(`http://127.0.0.1:${gatewayPort}`);

    const username = uniqueName('grace').replace(/_/g, '-');
    await runAccountJourney(`http://127.0.0.1:${gatewayPort}`, smtp, {
      username,
      email: `${username}@example.org`,
    });
  }, 300_000);
});
