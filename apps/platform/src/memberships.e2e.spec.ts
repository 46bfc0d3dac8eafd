import {
  embeddedSuiteFixture,
  runMembershipJourney,
  runTeamTokenJourney,
  runTokenExpiryJourney,
  runTokenTtlJourney,
  uniqueName,
  withEmbeddedPlatform,
} from '@idp/testing';

// Organizations, invitations, teams and leaving, end to end in embedded mode: one platform process, PGlite in
// DATA_DIR, mail over real SMTP.
describe('memberships, embedded platform over HTTP', () => {
  const suite = embeddedSuiteFixture('memberships-e2e', { smtp: true });

  it('creates an organization, invites two people by mail, promotes, leaves and removes', async () => {
    const { smtp } = suite;
    const { exitCode } = await withEmbeddedPlatform(
      { dataDir: suite.dataDir, smtp, env: { API_RATE_LIMITING_ENABLED: 'false' } },
      async (url) => {
        const prefix = uniqueName('m').replace(/_/g, '-').toLowerCase();
        const membership = await runMembershipJourney(url, smtp, prefix);
        // Team tokens in the organization the journey leaves (TFC-API §5.1, §5.2).
        await runTeamTokenJourney(url, membership);
        // User, team and organization tokens used across their expiry (issue 5).
        const expiry = await runTokenExpiryJourney(url, membership.carol, prefix);
        console.info('token expiry, embedded (ms relative to expired-at):', JSON.stringify(expiry.figures));
        // Token TTL policies (TFC-API §5.4): membership bounds user tokens, the token service team and organization tokens.
        const ttl = await runTokenTtlJourney(url, membership.carol, membership.bob, prefix);
        console.info(
          'token TTL policy, embedded: team token ended',
          ttl.teamTokenEndedAfterMs,
          'ms after the policy',
        );
      },
    );
    expect(exitCode).toBe(0);
  }, 180_000);
});
