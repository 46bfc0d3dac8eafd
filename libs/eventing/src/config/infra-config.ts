import { isAbsolute, resolve } from 'node:path';

/**
 * Infrastructure configuration, read from the environment. The mode is configuration, not code:
 * every adapter is chosen from these URLs, and a bad value stops the process at boot with one line that
 * names the setting (`ConfigError`).
 */
export interface InfraConfig {
  eventStore:
    | { kind: 'pglite'; dataDir: string | 'memory://' }
    | { kind: 'postgres'; url: string }
    | { kind: 'kurrentdb'; url: string };
  /** Kafka brokers; absent means the in-process bus (embedded mode). */
  kafkaBrokers?: string[];
  /** How long Kafka waits for a silent consumer before giving its partitions to another replica. */
  kafkaSessionTimeoutMs?: number;
  /** Namespace of every Kafka topic (`staging.`), for deployments or test runs sharing one cluster. */
  kafkaTopicPrefix?: string;
  /** MongoDB URL for read models; absent means in-memory read models rebuilt at boot. */
  mongoUrl?: string;
  /** SMTP URL; absent means the local outbox folder. */
  smtpUrl?: string;
  /** 32-byte keys (newest first) sealing secrets inside events; from `SECRET_KEYS` (base64, comma-separated). */
  secretKeys?: Buffer[];
  port: number;
  host: string;
  dataDir: string;
  mode: 'embedded' | 'distributed';
}

/** A configuration value that cannot work. Its message is one line naming the setting and the value. */
export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`${setting}: ${message}`);
    this.name = 'ConfigError';
  }
}

const redact = (url: string) => url.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@');

const parseUrl = (setting: string, value: string, protocols: string[]): URL => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(
      setting,
      `"${redact(value)}" is not a URL (expected ${protocols.map((p) => `${p}//…`).join(' or ')})`,
    );
  }
  if (!protocols.includes(url.protocol))
    throw new ConfigError(
      setting,
      `"${redact(value)}" has scheme ${url.protocol} (expected ${protocols.map((p) => `${p}//…`).join(' or ')})`,
    );
  if (!url.hostname && url.protocol !== 'pglite:')
    throw new ConfigError(setting, `"${redact(value)}" has no host`);
  return url;
};

const BROKER = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

export const loadInfraConfig = (env: NodeJS.ProcessEnv = process.env): InfraConfig => {
  const dataDir = env.DATA_DIR?.trim() || './data';
  const absData = isAbsolute(dataDir) ? dataDir : resolve(process.cwd(), dataDir);

  let eventStore: InfraConfig['eventStore'];
  const es = env.EVENT_STORE_URL?.trim();
  if (!es) eventStore = { kind: 'pglite', dataDir: resolve(absData, 'event-store') };
  else {
    const url = parseUrl('EVENT_STORE_URL', es, [
      'postgres:',
      'postgresql:',
      'esdb:',
      'esdb+discover:',
      'kurrentdb:',
      'kurrentdb+discover:',
      'pglite:',
    ]);
    if (url.protocol === 'pglite:') {
      const path = es.slice('pglite://'.length);
      eventStore = {
        kind: 'pglite',
        dataDir: path === 'memory' || path === '' ? 'memory://' : resolve(absData, '..', path),
      };
    } else if (url.protocol.startsWith('postgres')) eventStore = { kind: 'postgres', url: es };
    else eventStore = { kind: 'kurrentdb', url: es };
  }

  let kafkaBrokers: string[] | undefined;
  if (env.KAFKA_BROKERS?.trim()) {
    kafkaBrokers = env.KAFKA_BROKERS.split(',')
      .map((b) => b.trim())
      .filter(Boolean);
    for (const b of kafkaBrokers) {
      const m = BROKER.exec(b);
      if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535)
        throw new ConfigError(
          'KAFKA_BROKERS',
          `"${b}" is not host:port (expected a comma-separated list such as 127.0.0.1:9092)`,
        );
    }
  }

  let kafkaSessionTimeoutMs: number | undefined;
  if (env.KAFKA_SESSION_TIMEOUT_MS?.trim()) {
    kafkaSessionTimeoutMs = Number(env.KAFKA_SESSION_TIMEOUT_MS);
    if (
      !Number.isInteger(kafkaSessionTimeoutMs) ||
      kafkaSessionTimeoutMs < 6000 ||
      kafkaSessionTimeoutMs > 300_000
    )
      throw new ConfigError(
        'KAFKA_SESSION_TIMEOUT_MS',
        `"${env.KAFKA_SESSION_TIMEOUT_MS}" must be milliseconds between 6000 and 300000`,
      );
  }

  const kafkaTopicPrefix = env.KAFKA_TOPIC_PREFIX?.trim() || undefined;
  if (kafkaTopicPrefix !== undefined && !/^[A-Za-z0-9._-]{1,100}$/.test(kafkaTopicPrefix))
    throw new ConfigError(
      'KAFKA_TOPIC_PREFIX',
      `"${kafkaTopicPrefix}" may only contain letters, digits, ".", "_" and "-"`,
    );

  const mongoUrl = env.MONGO_URL?.trim() || undefined;
  if (mongoUrl) parseUrl('MONGO_URL', mongoUrl, ['mongodb:', 'mongodb+srv:']);
  const smtpUrl = env.SMTP_URL?.trim() || undefined;
  if (smtpUrl) parseUrl('SMTP_URL', smtpUrl, ['smtp:', 'smtps:']);

  let secretKeys: Buffer[] | undefined;
  if (env.SECRET_KEYS?.trim()) {
    secretKeys = env.SECRET_KEYS.split(',').map((k, i) => {
      const key = Buffer.from(k.trim(), 'base64');
      if (key.length !== 32)
        throw new ConfigError(
          'SECRET_KEYS',
          `key ${i + 1} is not 32 bytes of base64 (generate one with: openssl rand -base64 32)`,
        );
      return key;
    });
  }

  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError('PORT', `"${env.PORT}" is not a port number (0-65535)`);

  const distributedParts = [eventStore.kind !== 'pglite', !!kafkaBrokers, !!mongoUrl];
  return {
    eventStore,
    kafkaBrokers,
    kafkaSessionTimeoutMs,
    kafkaTopicPrefix,
    mongoUrl,
    smtpUrl,
    secretKeys,
    port,
    host: env.HOST?.trim() || '0.0.0.0',
    dataDir: absData,
    mode: distributedParts.some(Boolean) ? 'distributed' : 'embedded',
  };
};

/** Settings a distributed service must have: running one half-configured is refused at boot. */
export const requireDistributed = (config: InfraConfig): void => {
  if (config.eventStore.kind === 'pglite')
    throw new ConfigError('EVENT_STORE_URL', 'is required in distributed mode (postgres://… or esdb://…)');
  if (!config.kafkaBrokers) throw new ConfigError('KAFKA_BROKERS', 'is required in distributed mode');
  if (!config.mongoUrl) throw new ConfigError('MONGO_URL', 'is required in distributed mode');
};
