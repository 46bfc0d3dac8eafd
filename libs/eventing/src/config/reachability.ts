import { connect } from 'node:net';
import { ConfigError, type InfraConfig } from './infra-config';

const probe = (host: string, port: number, timeoutMs: number): Promise<string | undefined> =>
  new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (problem?: string) => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(timeoutMs, () => done(`no answer within ${timeoutMs} ms`));
    socket.once('connect', () => done());
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
  });

const first = (url: string, defaultPort: number) => {
  const u = new URL(url.includes('://') ? url : `tcp://${url}`);
  const host = u.hostname.split(',')[0]!.replace(/^\[|\]$/g, '');
  return { host, port: Number(u.port || defaultPort) };
};

/**
 * Checks, before anything starts, that every configured server accepts connections; throws a `ConfigError`
 * naming the first setting that does not. (Adapters then verify the protocol when they connect.)
 */
export const assertReachable = async (config: InfraConfig, timeoutMs = 3000): Promise<void> => {
  const targets: Array<[string, string, { host: string; port: number }]> = [];
  if (config.eventStore.kind === 'postgres')
    targets.push(['EVENT_STORE_URL', config.eventStore.url, first(config.eventStore.url, 5432)]);
  if (config.eventStore.kind === 'kurrentdb' && !config.eventStore.url.includes('+discover'))
    targets.push(['EVENT_STORE_URL', config.eventStore.url, first(config.eventStore.url, 2113)]);
  for (const b of config.kafkaBrokers ?? []) targets.push(['KAFKA_BROKERS', b, first(b, 9092)]);
  if (config.mongoUrl && config.mongoUrl.startsWith('mongodb:'))
    targets.push(['MONGO_URL', config.mongoUrl, first(config.mongoUrl, 27017)]);
  if (config.smtpUrl)
    targets.push([
      'SMTP_URL',
      config.smtpUrl,
      first(config.smtpUrl, config.smtpUrl.startsWith('smtps') ? 465 : 587),
    ]);
  const results = await Promise.all(
    targets.map(async ([setting, , t]) => [setting, t, await probe(t.host, t.port, timeoutMs)] as const),
  );
  for (const [setting, t, problem] of results)
    if (problem) throw new ConfigError(setting, `${t.host}:${t.port} is unreachable (${problem})`);
};
