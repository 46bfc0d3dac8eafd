import {
  ApiClient,
  embeddedSuiteFixture,
  freePort,
  runAccountJourney,
  uniqueName,
  withEmbeddedPlatform,
} from '@idp/testing';

// Accounts end to end in embedded mode: one platform process, PGlite in DATA_DIR, mail over real SMTP.
describe('accounts, embedded platform over HTTP', () => {
  const suite = embeddedSuiteFixture('accounts-e2e', { smtp: true });
  let port: number;
  const options = () => ({ dataDir: suite.dataDir, smtp: suite.smtp, port });

  beforeAll(async () => {
    port = await freePort();
  });

  it('signs up, confirms by mail, logs in, updates, changes and resets the password, logs out; a restart keeps the account', async () => {
    const username = uniqueName('ada').replace(/_/g, '-');
    const first = await withEmbeddedPlatform(options(), (url) =>
      runAccountJourney(url, suite.smtp, { username, email: `${username}@Example.com` }),
    );
    const result = first.result;
    expect(first.exitCode).toBe(0);

    const restarted = await withEmbeddedPlatform(options(), async (url) => {
      const api = new ApiClient(url);
      const login = await api.call('POST', '/api/v2/session', {
        data: {
          type: 'sessions',
          attributes: { login: result.username, password: 'third passphrase is the charm 9' },
        },
      });
      expect(login.status).toBe(201);
      const details = await api.call(
        'GET',
        '/api/v2/account/details',
        undefined,
        login.json.data.attributes.token,
      );
      expect(details.json.data.id).toBe(result.userId);
    });
    expect(restarted.exitCode).toBe(0);
  }, 180_000);
});
