import { Pool, type PoolConfig } from 'pg';
import { BEGIN, type SqlExecutor, type SqlSession } from './sql-executor';

/** `SqlExecutor` over a `pg` Pool. */
export class PgExecutor implements SqlExecutor {
  private readonly pool: Pool;

  constructor(config: PoolConfig) {
    this.pool = new Pool(config);
    // An idle client losing its connection (server restart, network) must not crash the process: the pool drops
    // it and the next query gets a fresh connection or a connection error we map to EventStoreUnavailable.
    this.pool.on('error', () => undefined);
  }

  async query<Row extends object>(sql: string, params?: readonly unknown[]): Promise<Row[]> {
    return (await this.pool.query(sql, params as unknown[])).rows as Row[];
  }

  async transaction<T>(fn: (tx: SqlSession) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const tx: SqlSession = {
      query: async <Row extends object>(sql: string, params?: readonly unknown[]) =>
        (await client.query(sql, params as unknown[])).rows as Row[],
    };
    try {
      await client.query(BEGIN);
      const result = await fn(tx);
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (err) {
      // A client whose ROLLBACK fails is in an unknown state: destroy it rather than return it to the pool.
      await client.query('ROLLBACK').then(
        () => client.release(),
        (rollbackError: Error) => client.release(rollbackError),
      );
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
