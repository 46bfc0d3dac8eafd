import type { CheckpointStore } from '../event-store/checkpoint-store.port';
import { EventStoreUnavailable } from '../event-store/errors';
import type { EventStore } from '../event-store/event-store.port';
import { ConfigError, type InfraConfig } from '../config/infra-config';

export interface OpenedEventStore {
  store: EventStore;
  /** Checkpoints in the same database when it has tables (PostgreSQL, PGlite); undefined for KurrentDB. */
  checkpoints?: CheckpointStore;
  describe: string;
}

/**
 * Opens the event store the configuration names. Only the chosen driver is loaded. A server that answers
 * but refuses us (authentication, missing database) becomes a `ConfigError` naming EVENT_STORE_URL.
 */
export const openEventStore = async (
  config: InfraConfig['eventStore'],
  options: { schema?: string } = {},
): Promise<OpenedEventStore> => {
  try {
    switch (config.kind) {
      case 'pglite': {
        const { openPGliteEventStore } = await import('../event-store/pglite/pglite-event-store');
        const store = await openPGliteEventStore({ dataDir: config.dataDir, schema: options.schema });
        return { store, checkpoints: store.checkpoints, describe: `PGlite (${config.dataDir})` };
      }
      case 'postgres': {
        const { openPostgresEventStore } = await import('../event-store/postgres/postgres-event-store');
        const store = await openPostgresEventStore({ url: config.url, schema: options.schema });
        return {
          store,
          checkpoints: store.checkpoints,
          describe: `PostgreSQL (${new URL(config.url).host})`,
        };
      }
      case 'kurrentdb': {
        const { openKurrentDBEventStore } = await import('../event-store/kurrentdb/kurrentdb-event-store');
        const store = await openKurrentDBEventStore({ url: config.url });
        return { store, describe: `KurrentDB (${config.url.replace(/\/\/[^@]*@/, '//')})` };
      }
    }
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const where = config.kind === 'pglite' ? `DATA_DIR (${config.dataDir})` : 'EVENT_STORE_URL';
    const reason = err instanceof EventStoreUnavailable ? err.message : (err as Error).message;
    throw new ConfigError(
      where.startsWith('DATA_DIR') ? 'DATA_DIR' : 'EVENT_STORE_URL',
      `cannot open the event store: ${reason.split('\n')[0]}`,
    );
  }
};
