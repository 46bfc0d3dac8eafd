import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { migrate, quoteSchema } from '../postgres/migrations';
import { PostgresEventStore, type PostgresEventStoreOptions } from '../postgres/postgres-event-store';
import { toStoreError } from '../postgres/sql-errors';
import { PGliteExecutor } from './pglite-executor';

export interface OpenPGliteEventStoreOptions extends PostgresEventStoreOptions {
  /**
   * Folder the database persists to (created if missing), or `memory://` (the default) for a database that lives
   * and dies with the process.
   */
  dataDir?: string;
  /**
   * An already created PGlite instance to use instead of `dataDir` (tests share one per file: creating one costs
   * seconds). The store does not close it. Other code using the same instance must go through `PGliteExecutor`,
   * or it may run inside the store's transactions.
   */
  db?: PGlite;
}

/**
 * The embedded mode's event store: PostgreSQL compiled to WebAssembly, in process, running the very same SQL and
 * migrations as `openPostgresEventStore` (`PostgresEventStore` over a `PGliteExecutor`). Transactions are
 * serialised in process (PGlite is a single session), which also makes the position counter uncontended.
 */
export const openPGliteEventStore = async (
  options: OpenPGliteEventStoreOptions = {},
): Promise<PostgresEventStore> => {
  const schema = options.schema ?? 'event_store';
  quoteSchema(schema);
  const executor = new PGliteExecutor(
    options.db ?? (await createPGlite(options.dataDir ?? 'memory://')),
    !options.db,
  );
  try {
    await migrate(executor, schema);
  } catch (err) {
    await executor.close().catch(() => undefined);
    throw toStoreError(err);
  }
  return new PostgresEventStore(executor, options);
};

/** A PGlite database persisted to `dataDir` (a folder, created with its parents) or `memory://`. */
export const createPGlite = async (dataDir: string): Promise<PGlite> => {
  // PGlite creates the data folder itself but not its parents; URLs (memory://, idb://) are not folders.
  if (!dataDir.includes('://')) await mkdir(dataDir, { recursive: true });
  return PGlite.create(dataDir);
};
