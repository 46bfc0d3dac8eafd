import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  freePort,
  runMembershipJourney,
  runTeamTokenJourney,
  startApp,
  startSmtpServer,
  type TestSmtpServer,
  uniqueName,
  waitReady,
} from '@idp/testing';

// Organizations, invitations, teams and leaving, end to end in embedded mode: one platform process, PGlite in
// DATA_DIR, mail over real SMTP.
describe('memberships, embedded platform over HTTP', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'memberships-e2e-'));
  let smtp: TestSmtpServer;

  beforeAll(async () => {
    smtp = await startSmtpServer();
  });
  afterAll(async () => {
    await smtp?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates an organization, invites two people by mail, promotes, leaves and removes', async () => {
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
      const membership = await runMembershipJourney(
        url,
        smtp,
        uniqueName('m').replace(/_/g, '-').toLowerCase(),
      );
      // Team tokens in the organization the journey leaves (TFC-API §5.1, §5.2).
      await runTeamTokenJourney(url, membership);
    } finally {
      platform.child.kill('SIGTERM');
    }
    expect(await platform.exited).toBe(0);
  }, 180_000);
});
