import { createServer, type Server } from 'node:net';
import { ConfigError, loadInfraConfig, requireDistributed } from './infra-config';
import { assertReachable } from './reachability';

describe('infrastructure configuration', () => {
  it('defaults to embedded mode: PGlite under ./data, in-process bus, in-memory read models', () => {
    const c = loadInfraConfig({});
    expect(c.mode).toBe('embedded');
    expect(c.eventStore).toEqual({ kind: 'pglite', dataDir: expect.stringMatching(/data\/event-store$/) });
    expect(c.kafkaBrokers).toBeUndefined();
    expect(c.port).toBe(3000);
  });

  it('chooses adapters from URLs', () => {
    const c = loadInfraConfig({
      EVENT_STORE_URL: 'esdb://127.0.0.1:2113?tls=false',
      KAFKA_BROKERS: '127.0.0.1:9092, [::1]:9093',
      MONGO_URL: 'mongodb://127.0.0.1:27017/idp',
    });
    expect(c.mode).toBe('distributed');
    expect(c.eventStore.kind).toBe('kurrentdb');
    expect(c.kafkaBrokers).toEqual(['127.0.0.1:9092', '[::1]:9093']);
    expect(loadInfraConfig({ EVENT_STORE_URL: 'postgres://u:p@db/x' }).eventStore.kind).toBe('postgres');
    expect(loadInfraConfig({ EVENT_STORE_URL: 'pglite://memory' }).eventStore).toEqual({
      kind: 'pglite',
      dataDir: 'memory://',
    });
  });

  it.each([
    [{ EVENT_STORE_URL: 'mysql://x/y' }, /^EVENT_STORE_URL: .*scheme mysql:/],
    [{ EVENT_STORE_URL: 'not a url' }, /^EVENT_STORE_URL: "not a url" is not a URL/],
    [{ KAFKA_BROKERS: 'localhost' }, /^KAFKA_BROKERS: "localhost" is not host:port/],
    [{ KAFKA_BROKERS: 'h:99999' }, /^KAFKA_BROKERS: "h:99999"/],
    [{ MONGO_URL: 'http://x' }, /^MONGO_URL: /],
    [{ SMTP_URL: 'smtp//x' }, /^SMTP_URL: /],
    [{ PORT: 'eighty' }, /^PORT: /],
  ])('refuses %j with one line naming the setting', (env, message) => {
    expect(() => loadInfraConfig(env)).toThrow(ConfigError);
    expect(() => loadInfraConfig(env)).toThrow(message);
  });

  it('never prints a password from a URL', () => {
    expect(() => loadInfraConfig({ EVENT_STORE_URL: 'mysql://admin:s3cret@db/x' })).toThrow(/admin:\*\*\*@/);
    expect(() => loadInfraConfig({ EVENT_STORE_URL: 'mysql://admin:s3cret@db/x' })).not.toThrow(/s3cret/);
  });

  it('refuses a half-configured distributed service', () => {
    expect(() => requireDistributed(loadInfraConfig({ KAFKA_BROKERS: '127.0.0.1:9092' }))).toThrow(
      /^EVENT_STORE_URL: is required/,
    );
    expect(() =>
      requireDistributed(loadInfraConfig({ EVENT_STORE_URL: 'postgres://h/x', KAFKA_BROKERS: 'h:1' })),
    ).toThrow(/^MONGO_URL/);
  });

  describe('reachability', () => {
    let server: Server;
    let port: number;
    beforeAll(async () => {
      server = createServer((s) => s.end());
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      port = (server.address() as { port: number }).port;
    });
    afterAll(() => new Promise((r) => server.close(r)));

    it('passes when every server answers and names the first that does not', async () => {
      await expect(
        assertReachable(loadInfraConfig({ EVENT_STORE_URL: `postgres://127.0.0.1:${port}/x` })),
      ).resolves.toBeUndefined();
      const closed = await new Promise<number>((r) => {
        const s = createServer();
        s.listen(0, '127.0.0.1', () => {
          const p = (s.address() as { port: number }).port;
          s.close(() => r(p));
        });
      });
      await expect(
        assertReachable(
          loadInfraConfig({
            EVENT_STORE_URL: `postgres://127.0.0.1:${port}/x`,
            KAFKA_BROKERS: `127.0.0.1:${closed}`,
          }),
        ),
      ).rejects.toThrow(`KAFKA_BROKERS: 127.0.0.1:${closed} is unreachable (ECONNREFUSED)`);
    });
  });
});
