import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import type { Connection } from 'mongoose';
import { ConfigError, type InfraConfig } from '../config/infra-config';
import { SecretBox } from '../crypto/secret-box';
import type { CheckpointStore } from '../event-store/checkpoint-store.port';
import type { EventStore } from '../event-store/event-store.port';
import { InMemoryCheckpointStore } from '../event-store/in-memory/in-memory-checkpoint-store';
import { NamespacedEventStore } from '../event-store/namespaced/namespaced-event-store';
import { InMemoryParkedEventStore } from '../projection/in-memory/in-memory-parked-event.store';
import { NotifyingEventStore } from '../projection/notifying-event.store';
import { MongoParkedEventStore } from '../projection/mongo/mongo-parked-event.store';
import { InMemoryReadStoreFactory } from '../read-store/in-memory/in-memory-read.store';
import { MongoCheckpointStore } from '../read-store/mongo/mongo-checkpoint.store';
import { connectMongo } from '../read-store/mongo/mongo-connection';
import { MongoReadStoreFactory } from '../read-store/mongo/mongo-read.store';
import { InMemoryProcessedEventStore } from '../relay/in-memory/in-memory-processed-event.store';
import { MongoProcessedEventStore } from '../relay/mongo/mongo-processed-event.store';
import type { ServiceInfrastructure } from './service-infrastructure';

/** Connections one process shares between the services it hosts. */
export interface SharedResources {
  secretBox: SecretBox;
  pglite?: PGlite;
  mongo?: Connection;
  describe: string[];
  close(): Promise<void>;
}

export interface ServiceResources {
  infra: ServiceInfrastructure;
  /** Durable checkpoint of the service's relay, beside its events. */
  relayCheckpoints: CheckpointStore;
  describe: string;
  close(): Promise<void>;
}

const firstLine = (err: unknown) => ((err as Error).message ?? String(err)).split('\n')[0];

/**
 * The platform's secret keys: `SECRET_KEYS` when set; in embedded mode otherwise a key generated once and kept in
 * `$DATA_DIR/secret.key` (mode 0600) so sealed values survive restarts. A distributed process never invents one:
 * its replicas and the other services must share it.
 */
export const loadSecretKeys = async (config: InfraConfig): Promise<Buffer[]> => {
  if (config.secretKeys) return config.secretKeys;
  if (config.mode === 'distributed')
    throw new ConfigError('SECRET_KEYS', 'is required in distributed mode (openssl rand -base64 32)');
  const file = join(config.dataDir, 'secret.key');
  try {
    const key = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
    if (key.length !== 32) throw new ConfigError('DATA_DIR', `${file} does not hold a 32-byte base64 key`);
    return [key];
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      throw err instanceof ConfigError
        ? err
        : new ConfigError('DATA_DIR', `cannot read ${file}: ${firstLine(err)}`);
  }
  const key = randomBytes(32);
  try {
    await mkdir(config.dataDir, { recursive: true });
    await writeFile(file, `${key.toString('base64')}\n`, { flag: 'wx', mode: 0o600 });
    await chmod(file, 0o600);
  } catch (err) {
    // Another process created it first: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadSecretKeys(config);
    throw new ConfigError('DATA_DIR', `cannot write ${file}: ${firstLine(err)}`);
  }
  return [key];
};

/** Opens what the configuration names once per process. Failures become `ConfigError`s naming the setting. */
export const openSharedResources = async (config: InfraConfig): Promise<SharedResources> => {
  const describe: string[] = [];
  const secretBox = new SecretBox(await loadSecretKeys(config));
  let pglite: PGlite | undefined;
  let mongo: Connection | undefined;
  try {
    if (config.eventStore.kind === 'pglite') {
      const { createPGlite } = await import('../event-store/pglite/pglite-event-store');
      pglite = await createPGlite(config.eventStore.dataDir);
      describe.push(`event store: PGlite (${config.eventStore.dataDir})`);
    }
  } catch (err) {
    throw new ConfigError(
      'DATA_DIR',
      `cannot open the PGlite event store in ${config.dataDir}: ${firstLine(err)}`,
    );
  }
  if (config.mongoUrl) {
    try {
      mongo = await connectMongo(config.mongoUrl);
    } catch (err) {
      await pglite?.close();
      throw new ConfigError('MONGO_URL', firstLine(err));
    }
    describe.push(`read models: MongoDB (${mongo.host}:${mongo.port}/${mongo.name})`);
  } else describe.push('read models: in memory, rebuilt at boot');
  return {
    secretBox,
    pglite,
    mongo,
    describe,
    close: async () => {
      await mongo?.close();
      await pglite?.close();
    },
  };
};

/**
 * Opens one service's infrastructure: its own event store (schema `<service>` on PostgreSQL/PGlite, namespace
 * on KurrentDB), and its read models with their checkpoints, parked and processed events in MongoDB (collections
 * prefixed `<service>_`) or in memory.
 */
export const openServiceResources = async (
  config: InfraConfig,
  service: string,
  shared: SharedResources,
): Promise<ServiceResources> => {
  let eventStore: EventStore;
  let relayCheckpoints: CheckpointStore | undefined;
  let describe: string;
  try {
    switch (config.eventStore.kind) {
      case 'pglite': {
        const { openPGliteEventStore } = await import('../event-store/pglite/pglite-event-store');
        const store = await openPGliteEventStore({ db: shared.pglite!, schema: service });
        [eventStore, relayCheckpoints, describe] = [store, store.checkpoints, `PGlite schema ${service}`];
        break;
      }
      case 'postgres': {
        const { openPostgresEventStore } = await import('../event-store/postgres/postgres-event-store');
        const store = await openPostgresEventStore({ url: config.eventStore.url, schema: service });
        [eventStore, relayCheckpoints, describe] = [
          store,
          store.checkpoints,
          `PostgreSQL ${new URL(config.eventStore.url).host} schema ${service}`,
        ];
        break;
      }
      case 'kurrentdb': {
        const { openKurrentDBEventStore } = await import('../event-store/kurrentdb/kurrentdb-event-store');
        eventStore = new NamespacedEventStore(
          await openKurrentDBEventStore({ url: config.eventStore.url }),
          service,
        );
        describe = `KurrentDB namespace ${service}`;
        break;
      }
    }
  } catch (err) {
    throw new ConfigError(
      config.eventStore.kind === 'pglite' ? 'DATA_DIR' : 'EVENT_STORE_URL',
      `cannot open the ${service} event store: ${firstLine(err)}`,
    );
  }

  // Every append through the service wakes this process's relay of that store (see `HostLifecycle`), so an event
  // leaves for the bus within milliseconds instead of at the relay's next poll. Appends from other processes (other
  // replicas of the service) are still found by the poll.
  eventStore = new NotifyingEventStore(eventStore);
  const { mongo } = shared;
  const infra: ServiceInfrastructure = mongo
    ? {
        service,
        eventStore,
        readStores: new MongoReadStoreFactory(mongo, { collectionPrefix: `${service}_` }),
        projectionCheckpoints: new MongoCheckpointStore(mongo, `${service}_checkpoints`),
        parkedEvents: new MongoParkedEventStore(mongo, `${service}_parked_events`),
        processedEvents: new MongoProcessedEventStore(mongo, `${service}_processed_events`),
        secretBox: shared.secretBox,
      }
    : {
        service,
        eventStore,
        readStores: new InMemoryReadStoreFactory(),
        projectionCheckpoints: new InMemoryCheckpointStore(),
        parkedEvents: new InMemoryParkedEventStore(),
        processedEvents: new InMemoryProcessedEventStore(),
        secretBox: shared.secretBox,
      };
  if (!relayCheckpoints) {
    if (!mongo)
      throw new ConfigError('MONGO_URL', 'is required with a KurrentDB event store (relay checkpoints)');
    relayCheckpoints = new MongoCheckpointStore(mongo, `${service}_relay_checkpoints`);
  }
  return {
    infra,
    relayCheckpoints,
    describe,
    close: async () => {
      await infra.readStores.close();
      await eventStore.close();
    },
  };
};
