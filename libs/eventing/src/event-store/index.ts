// Public API of the event store: the port, its errors and validation, the checkpoint port, and every adapter.
// The contract suites (Jest) are exported from '@idp/eventing/testing', not from here.
export * from './event';
export * from './errors';
export * from './event-store.port';
export * from './validate';
export * from './checkpoint-store.port';
export * from './in-memory/in-memory-event-store';
export * from './in-memory/in-memory-checkpoint-store';
export type { SqlExecutor, SqlSession } from './postgres/sql-executor';
export { MIGRATIONS, migrate } from './postgres/migrations';
export * from './postgres/postgres-event-store';
export * from './postgres/postgres-checkpoint-store';
export { PgExecutor } from './postgres/pg-executor';
export * from './pglite/pglite-event-store';
export { PGliteExecutor } from './pglite/pglite-executor';
export * from './kurrentdb/kurrentdb-event-store';
export * from './namespaced/namespaced-event-store';
