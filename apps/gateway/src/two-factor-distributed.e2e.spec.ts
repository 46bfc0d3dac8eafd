import {
  describeWithInfra,
  type DistributedDeployment,
  runTwoFactorJourney,
  runTwoFactorPolicyJourney,
  startDistributedDeployment,
  uniqueName,
} from '@idp/testing';

// The two-factor journey in distributed mode: gateway, identity, membership, token and notification as separate
// processes over real Kafka, PostgreSQL and FerretDB (SECRET_KEYS shared: the TOTP secret is sealed). HTTP only.
describeWithInfra(
  ['postgres', 'kafka', 'mongo'],
  'two-factor authentication, distributed services over HTTP',
  (infra) => {
    let deployment: DistributedDeployment | undefined;

    afterAll(async () => {
      await deployment?.stop();
    });

    it('enrols an app, logs in with password + code, with a recovery code once; an organization policy locks out a member without 2FA until they enrol; across processes', async () => {
      deployment = await startDistributedDeployment(infra(), 'two_factor_e2e', {
        gatewayEnv: { API_RATE_LIMITING_ENABLED: 'false' },
      });
      const { url, smtp } = deployment;

      await runTwoFactorJourney(url, smtp, uniqueName('d').replace(/_/g, '-').toLowerCase());
      await runTwoFactorPolicyJourney(url, smtp, uniqueName('dp').replace(/_/g, '-').toLowerCase());
    }, 300_000);
  },
);
