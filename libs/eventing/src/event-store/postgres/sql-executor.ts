/**
 * The whole surface the PostgreSQL-dialect stores need from a driver, so `pg` (a server) and PGlite (in-process)
 * run the very same SQL. Rows come back as the driver parses them: the SQL casts int8 and json to text so both
 * drivers hand over the same JS values.
 */
export interface SqlSession {
  query<Row extends object = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<Row[]>;
}

export interface SqlExecutor extends SqlSession {
  /**
   * Runs `fn` in one READ COMMITTED transaction on one session: committed when `fn` resolves, rolled back when
   * it throws (the error is rethrown). The isolation level is pinned, not left to the server default, because
   * the append's locking protocol relies on READ COMMITTED re-reading locked rows.
   */
  transaction<T>(fn: (tx: SqlSession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export const BEGIN = 'BEGIN ISOLATION LEVEL READ COMMITTED';
