import { EventStoreClosed } from '../errors';
import type { Position } from '../event';
import { type CheckpointStore, validateCheckpoint } from '../checkpoint-store.port';
import { quoteSchema } from './migrations';
import { toStoreError } from './sql-errors';
import type { SqlExecutor } from './sql-executor';

/**
 * `CheckpointStore` in the event store's own database and schema (table `checkpoints`, migration 2), on any
 * `SqlExecutor` (PostgreSQL or PGlite). Get it from `PostgresEventStore.checkpoints`: it shares the store's
 * connections and is closed with it. Positions are stored as bigint and read back as text, so they stay exact.
 */
export class PostgresCheckpointStore implements CheckpointStore {
  private readonly s: string;

  constructor(
    private readonly db: SqlExecutor,
    schema: string,
    private readonly isClosed: () => boolean = () => false,
  ) {
    this.s = quoteSchema(schema);
  }

  async load(name: string): Promise<Position | undefined> {
    validateCheckpoint(name);
    if (this.isClosed()) throw new EventStoreClosed();
    try {
      const [row] = await this.db.query<{ position: string }>(
        `SELECT position::text AS position FROM ${this.s}.checkpoints WHERE name = $1`,
        [name],
      );
      return row ? BigInt(row.position) : undefined;
    } catch (err) {
      throw toStoreError(err);
    }
  }

  async save(name: string, position: Position): Promise<void> {
    validateCheckpoint(name, position);
    if (this.isClosed()) throw new EventStoreClosed();
    try {
      await this.db.query(
        `INSERT INTO ${this.s}.checkpoints (name, position, updated_at) VALUES ($1, $2::bigint, now())
         ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = EXCLUDED.updated_at`,
        [name, position.toString()],
      );
    } catch (err) {
      throw toStoreError(err);
    }
  }
}
