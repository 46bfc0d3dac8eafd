import type { PGlite } from '@electric-sql/pglite';
import type { Connection } from 'mongoose';
import { ConfigError, type InfraConfig } from '../config/infra-config';
import type { CheckpointStore } from '../event-store/checkpoint-store.port';
import type { EventStore } from '../event-store/event-store.port';
import { InMemoryCheckpointStore } from '../event-store/in-memory/in-memory-checkpoint-store';
import { NamespacedEventStore } from '../event-store/namespaced/namespaced-event-store';
import { InMemoryParkedEventStore } from '../projection/in-memory/in-memory-parked-event.store';
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

/** Opens what the configuration names once per process. Failures become `ConfigError`s naming the setting. */
export const openSharedResources = async (config: InfraConfig): Promise<SharedResources> => {
  const describe: string[] = [];
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

  const { mongo } = shared;
  const infra: ServiceInfrastructure = mongo
    ? {
        service,
        eventStore,
        readStores: new MongoReadStoreFactory(mongo, { collectionPrefix: `${service}_` }),
        projectionCheckpoints: new MongoCheckpointStore(mongo, `${service}_checkpoints`),
        parkedEvents: new MongoParkedEventStore(mongo, `${service}_parked_events`),
        processedEvents: new MongoProcessedEventStore(mongo, `${service}_processed_events`),
      }
    : {
        service,
        eventStore,
        readStores: new InMemoryReadStoreFactory(),
        projectionCheckpoints: new InMemoryCheckpointStore(),
        parkedEvents: new InMemoryParkedEventStore(),
        processedEvents: new InMemoryProcessedEventStore(),
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
