import {
  embeddedSuiteFixture,
  runTwoFactorJourney,
  runTwoFactorPolicyJourney,
  uniqueName,
  withEmbeddedPlatform,
} from '@idp/testing';

// Two-factor authentication end to end in embedded mode: one platform process, PGlite in DATA_DIR, mail over SMTP.
describe('two-factor authentication, embedded platform over HTTP', () => {
  const suite = embeddedSuiteFixture('two-factor-e2e', { smtp: true });

  it('enrols an app, logs in with password + code, with a recovery code once; an organization policy locks out a member without 2FA until they enrol', async () => {
    const { smtp } = suite;
    const { exitCode } = await withEmbeddedPlatform(
      { dataDir: suite.dataDir, smtp, env: { API_RATE_LIMITING_ENABLED: 'false' } },
      async (url) => {
        await runTwoFactorJourney(url, smtp, uniqueName('t').replace(/_/g, '-').toLowerCase());
        await runTwoFactorPolicyJourney(url, smtp, uniqueName('p').replace(/_/g, '-').toLowerCase());
      },
    );
    expect(exitCode).toBe(0);
  }, 180_000);
});
