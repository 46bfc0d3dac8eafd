import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApiClient,
  freePort,
  runAccountJourney,
  startApp,
  startSmtpServer,
  type TestSmtpServer,
  uniqueName,
  waitReady,
} from '@idp/testing';

// Accounts end to end in embedded mode: one platform process, PGlite in DATA_DIR, mail over real SMTP.
describe('accounts, embedded platform over HTTP', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'accounts-e2e-'));
  let smtp: TestSmtpServer;
  let port: number;
  const env = () => ({
    PORT: String(port),
    DATA_DIR: dataDir,
    SMTP_URL: smtp.url,
    PUBLIC_URL: `http://127.0.0.1:${port}`,
  });

  beforeAll(async () => {
    smtp = await startSmtpServer();
    port = await freePort();
  });
  afterAll(async () => {
    await smtp?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('signs up, confirms by mail, logs in, updates, changes and resets the password, logs out; a restart keeps the account', async () => {
    let platform = startApp('platform', env());
    const url = `http://127.0.0.1:${port}`;
    const username = uniqueName('ada').replace(/_/g, '-');
    let result;
    try {
      await waitReady(url, platform, 60_000);
      result = await runAccountJourney(url, smtp, { username, email: `${username}@Example.com` });
    } finally {
      platform.child.kill('SIGTERM');
    }
    expect(await platform.exited).toBe(0);

    platform = startApp('platform', env());
    try {
      await waitReady(url, platform, 60_000);
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
    } finally {
      platform.child.kill('SIGTERM');
    }
    expect(await platform.exited).toBe(0);
  }, 180_000);
});
