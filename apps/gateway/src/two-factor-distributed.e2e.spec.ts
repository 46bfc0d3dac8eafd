import {
  distributedTestEnv,
  type DistributedTestEnv,
  describeWithInfra,
  freePort,
  runTwoFactorJourney,
  runTwoFactorPolicyJourney,
  startApp,
  startReadyApps,
  startSmtpServer,
  type StartedProcess,
  type TestSmtpServer,
  uniqueName,
  waitReady,
  waitUntilServing,
} from '@idp/testing';

// The two-factor journey in distributed mode: gateway, identity, membership, token and notification as separate
// processes over real Kafka, PostgreSQL and FerretDB (SECRET_KEYS shared: the TOTP secret is sealed). HTTP only.
describeWithInfra(
  ['postgres', 'kafka', 'mongo'],
  'two-factor authentication, distributed services over HTTP',
  (infra) => {
    let deployment: DistributedTestEnv | undefined;
    let smtp: TestSmtpServer;
    const processes: StartedProcess[] = [];

    afterAll(async () => {
      for (const p of processes) p.child.kill('SIGTERM');
      await Promise.all(processes.map((p) => p.exited));
      await smtp?.close();
      await deployment?.cleanup();
    });

    it('enrols an app, logs in with password + code, with a recovery code once; an organization policy locks out a member without 2FA until they enrol; across processes', async () => {
      deployment = await distributedTestEnv(infra(), 'two_factor_e2e');
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

      await runTwoFactorJourney(
        `http://127.0.0.1:${gatewayPort}`,
        smtp,
        uniqueName('d').replace(/_/g, '-').toLowerCase(),
      );
      await runTwoFactorPolicyJourney(
        `http://127.0.0.1:${gatewayPort}`,
        smtp,
        uniqueName('dp').replace(/_/g, '-').toLowerCase(),
      );
    }, 300_000);
  },
);
