import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@idp/eventing';
import { createMailer, loadMailConfig } from './mailer.factory';
import { parseSender } from './mail-message';

describe('loadMailConfig', () => {
  it('uses the outbox under DATA_DIR without SMTP_URL, and the default sender', () => {
    expect(loadMailConfig({ dataDir: '/srv/data' }, {})).toEqual({
      kind: 'outbox',
      dir: '/srv/data/outbox',
      sender: {
        header: '"Terraform Platform" <no-reply@localhost>',
        address: 'no-reply@localhost',
        domain: 'localhost',
      },
    });
  });

  it('uses SMTP with SMTP_URL, and MAIL_FROM as the sender (its domain lower-cased for Message-IDs)', () => {
    const config = loadMailConfig(
      { dataDir: '/srv/data', smtpUrl: 'smtps://u:p@mail.example.com:465' },
      { MAIL_FROM: 'TFE <noreply@TFE.Example.com>' },
    );
    expect(config).toEqual({
      kind: 'smtp',
      url: 'smtps://u:p@mail.example.com:465',
      sender: {
        header: 'TFE <noreply@TFE.Example.com>',
        address: 'noreply@TFE.Example.com',
        domain: 'tfe.example.com',
      },
    });
    expect(loadMailConfig({ dataDir: '/d' }, { MAIL_FROM: 'bare@example.com' }).sender.address).toBe(
      'bare@example.com',
    );
  });

  it.each(['not an address', 'a@example.com, b@example.com', 'Group: a@example.com;', '<>'])(
    'refuses MAIL_FROM=%j with a ConfigError naming the setting',
    (from) => {
      expect(() => loadMailConfig({ dataDir: '/d' }, { MAIL_FROM: from })).toThrow(ConfigError);
      expect(() => loadMailConfig({ dataDir: '/d' }, { MAIL_FROM: from })).toThrow(/^MAIL_FROM: /);
    },
  );
});

describe('createMailer', () => {
  it('gives a retrying outbox mailer in embedded mode', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'mailer-'));
    try {
      const lines: string[] = [];
      const mailer = createMailer(loadMailConfig({ dataDir }, {}), { log: (l) => lines.push(l) });
      await mailer.send({
        to: 'a@example.com',
        subject: 's',
        text: 't',
        html: '<p>t</p>',
        idempotencyKey: 'k',
      });
      await mailer.close();
      expect(await readdir(join(dataDir, 'outbox'))).toHaveLength(1);
      expect(lines).toHaveLength(1);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('gives an SMTP mailer when SMTP_URL is set (nothing connects before the first send)', async () => {
    const mailer = createMailer(
      { kind: 'smtp', url: 'smtp://127.0.0.1:1', sender: parseSender('a@example.com')! },
      { log: () => undefined },
    );
    await mailer.close();
  });
});
