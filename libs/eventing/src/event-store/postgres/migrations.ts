import type { SqlExecutor } from './sql-executor';

/**
 * Schema of the PostgreSQL-dialect stores (PostgreSQL and PGlite alike), as ordered, append-only migrations.
 * A released migration is never edited: a change is a new entry. Each entry is a list of single statements
 * (PGlite's `query` takes one statement at a time); `{schema}` is replaced by the quoted schema name.
 */
export const MIGRATIONS: ReadonlyArray<{ version: number; name: string; statements: readonly string[] }> = [
  {
    version: 1,
    name: 'events, streams and the position counter',
    statements: [
      // One row per stream: the row an append locks to check and move the stream's revision.
      `CREATE TABLE {schema}.streams (
         stream   text PRIMARY KEY,
         revision integer NOT NULL CHECK (revision >= -1)
       )`,
      `CREATE TABLE {schema}.events (
         position       bigint PRIMARY KEY,
         stream         text NOT NULL,
         revision       integer NOT NULL CHECK (revision >= 0),
         id             uuid NOT NULL UNIQUE,
         type           text NOT NULL,
         schema_version integer NOT NULL,
         data           jsonb NOT NULL,
         metadata       jsonb NOT NULL,
         occurred_at    timestamptz NOT NULL,
         CONSTRAINT events_stream_revision_key UNIQUE (stream, revision)
       )`,
      // The single-row counter that hands out global positions (see PostgresEventStore for why not a sequence).
      `CREATE TABLE {schema}.positions (
         only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
         last     bigint NOT NULL
       )`,
      `INSERT INTO {schema}.positions (only_row, last) VALUES (true, 0)`,
    ],
  },
  {
    version: 2,
    name: 'checkpoints',
    statements: [
      `CREATE TABLE {schema}.checkpoints (
         name       text PRIMARY KEY,
         position   bigint NOT NULL CHECK (position >= 0),
         updated_at timestamptz NOT NULL DEFAULT now()
       )`,
    ],
  },
];

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Validates a schema name (lower-case identifier, so it needs no quoting rules beyond the double quotes). */
export const quoteSchema = (schema: string): string => {
  if (!IDENTIFIER.test(schema))
    throw new Error(`invalid schema name ${JSON.stringify(schema)}: use [a-z_][a-z0-9_]*`);
  return `"${schema}"`;
};

/**
 * Brings `schema` up to the newest migration, idempotently. All pending migrations run in one transaction
 * under a transaction-scoped advisory lock keyed by the schema name, so concurrent starters (several replicas
 * booting at once) run them exactly once: the second waits, then finds nothing left to do. DDL is
 * transactional in PostgreSQL, so a failing migration leaves the schema at the previous version.
 * Returns the versions it applied.
 */
export const migrate = async (db: SqlExecutor, schema: string): Promise<number[]> => {
  const s = quoteSchema(schema);
  return db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [
      `idp.event-store.migrations:${schema}`,
    ]);
    await tx.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (
         version    integer PRIMARY KEY,
         name       text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const done = new Set(
      (await tx.query<{ version: number }>(`SELECT version FROM ${s}.schema_migrations`)).map((r) =>
        Number(r.version),
      ),
    );
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      for (const statement of m.statements) await tx.query(statement.replaceAll('{schema}', s));
      await tx.query(`INSERT INTO ${s}.schema_migrations (version, name) VALUES ($1, $2)`, [
        m.version,
        m.name,
      ]);
      applied.push(m.version);
    }
    return applied;
  });
};
