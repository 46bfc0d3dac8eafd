import type { PGlite } from '@electric-sql/pglite';
import { BEGIN, type SqlExecutor, type SqlSession } from '../postgres/sql-executor';

/** Runs async critical sections one after another, in call order. */
class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/**
 * PGlite is one PostgreSQL session: a query issued by anyone while a transaction is open runs inside that
 * transaction. So every query and every whole transaction on one PGlite instance goes through one mutex, shared
 * by all executors of that instance (several stores or schemas on one database stay safe).
 */
const mutexes = new WeakMap<PGlite, Mutex>();
const mutexOf = (db: PGlite): Mutex => {
  let m = mutexes.get(db);
  if (!m) mutexes.set(db, (m = new Mutex()));
  return m;
};

/**
 * `SqlExecutor` over PGlite. Transactions run one at a time (the session is single); inside `transaction`, use
 * only the `tx` session given to the callback, never the executor itself (that would wait for its own mutex).
 */
export class PGliteExecutor implements SqlExecutor {
  private readonly mutex: Mutex;
  private readonly session: SqlSession;

  /** @param ownsDb close the PGlite instance with the executor (false when the caller shares it). */
  constructor(
    private readonly db: PGlite,
    private readonly ownsDb: boolean,
  ) {
    this.mutex = mutexOf(db);
    this.session = {
      query: async <Row extends object>(sql: string, params?: readonly unknown[]) =>
        (await db.query<Row>(sql, params as unknown[])).rows,
    };
  }

  query<Row extends object>(sql: string, params?: readonly unknown[]): Promise<Row[]> {
    return this.mutex.run(() => this.session.query<Row>(sql, params));
  }

  transaction<T>(fn: (tx: SqlSession) => Promise<T>): Promise<T> {
    return this.mutex.run(async () => {
      await this.db.query(BEGIN);
      try {
        const result = await fn(this.session);
        await this.db.query('COMMIT');
        return result;
      } catch (err) {
        await this.db.query('ROLLBACK');
        throw err;
      }
    });
  }

  async close(): Promise<void> {
    // Waits for queued work, so nothing is cut off mid-transaction.
    if (this.ownsDb) await this.mutex.run(() => this.db.close());
  }
}
