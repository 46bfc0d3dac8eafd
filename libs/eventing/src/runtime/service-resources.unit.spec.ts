import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadInfraConfig } from '../config/infra-config';
import { loadSecretKeys } from './service-resources';

describe('secret keys', () => {
  const dir = mkdtempSync(join(tmpdir(), 'secret-keys-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('uses SECRET_KEYS, newest first', async () => {
    const [a, b] = [randomBytes(32), randomBytes(32)];
    const keys = await loadSecretKeys(
      loadInfraConfig({ SECRET_KEYS: `${a.toString('base64')}, ${b.toString('base64')}` }),
    );
    expect(keys).toEqual([a, b]);
  });

  it('refuses a key that is not 32 bytes, naming the setting', () => {
    expect(() => loadInfraConfig({ SECRET_KEYS: 'c2hvcnQ=' })).toThrow(/^SECRET_KEYS: key 1 is not 32 bytes/);
  });

  it('embedded: creates one key in DATA_DIR (0600) and keeps using it', async () => {
    const config = loadInfraConfig({ DATA_DIR: dir });
    const first = await loadSecretKeys(config);
    const again = await loadSecretKeys(config);
    expect(again).toEqual(first);
    expect(Buffer.from(readFileSync(join(dir, 'secret.key'), 'utf8').trim(), 'base64')).toEqual(first[0]);
    expect(statSync(join(dir, 'secret.key')).mode & 0o777).toBe(0o600);
  });

  it('distributed: never invents a key', async () => {
    const config = loadInfraConfig({ DATA_DIR: dir, KAFKA_BROKERS: '127.0.0.1:9092' });
    await expect(loadSecretKeys(config)).rejects.toThrow(ConfigError);
    await expect(loadSecretKeys(config)).rejects.toThrow(/^SECRET_KEYS: is required in distributed mode/);
  });
});
