import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  freePort,
  runTwoFactorJourney,
  runTwoFactorPolicyJourney,
  startApp,
  startSmtpServer,
  type TestSmtpServer,
  uniqueName,
  waitReady,
} from '@idp/testing';

// Two-factor authentication end to end in embedded mode: one platform process, PGlite in DATA_DIR, mail over SMTP.
describe('two-factor authentication, embedded platform over HTTP', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'two-factor-e2e-'));
  let smtp: TestSmtpServer;

  beforeAll(async () => {
    smtp = await startSmtpServer();
  });
  afterAll(async () => {
    await smtp?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('enrols an app, logs in with password + code, with a recovery code once; an organization policy locks out a member without 2FA until they enrol', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const platform = startApp('platform', {
      PORT: String(port),
      DATA_DIR: dataDir,
      SMTP_URL: smtp.url,
      PUBLIC_URL: url,
      API_RATE_LIMITING_ENABLED: 'false',
    });
    try {
      await waitReady(url, platform, 60_000);
      await runTwoFactorJourney(url, smtp, uniqueName('t').replace(/_/g, '-').toLowerCase());
      await runTwoFactorPolicyJourney(url, smtp, uniqueName('p').replace(/_/g, '-').toLowerCase());
    } finally {
      platform.child.kill('SIGTERM');
    }
    expect(await platform.exited).toBe(0);
  }, 180_000);
});
