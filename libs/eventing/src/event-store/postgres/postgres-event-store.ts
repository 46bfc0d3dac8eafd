import type { PoolConfig } from 'pg';
import { EventStoreClosed, EventStoreUnavailable, InvalidAppend, WrongExpectedVersion } from '../errors';
import type { NewEvent, Position, RecordedEvent } from '../event';
import type { AppendResult, EventStore, ExpectedRevision, ReadStreamOptions } from '../event-store.port';
import { encodeAppend, readAllArgs, readStreamArgs, revisionMatches } from '../validate';
import { migrate, quoteSchema } from './migrations';
import { PgExecutor } from './pg-executor';
import { PostgresCheckpointStore } from './postgres-checkpoint-store';
import { toStoreError } from './sql-errors';
import type { SqlExecutor, SqlSession } from './sql-executor';

export interface PostgresEventStoreOptions {
  /** Schema holding the store's tables, so services and test suites can share one database. Default `event_store`. */
  schema?: string;
  /** Source of `occurredAt`. Default: the system clock. */
  now?: () => Date;
}

export interface OpenPostgresEventStoreOptions extends PostgresEventStoreOptions {
  /** `postgres://user:password@host:port/database` */
  url: string;
  /** Most connections the pool opens. Default 10. */
  poolSize?: number;
  /** Extra `pg` pool settings (TLS, timeouts, …); `url` and `poolSize` win. */
  pool?: PoolConfig;
}

interface EventRow {
  position: string;
  stream: string;
  revision: number;
  id: string;
  type: string;
  schema_version: number;
  data: string;
  metadata: string;
  occurred_at: Date | string;
}

// int8 and json are cast to text so that `pg` (int8 as string, json parsed) and PGlite (int8 as number, which
// loses precision past 2^53) give the same values: every position goes through BigInt(text). The output names
// shadow the columns, so queries qualify with the table alias `e` wherever they mean the column (ORDER BY!).
const COLUMNS = `e.position::text AS position, e.stream, e.revision, e.id::text AS id, e.type, e.schema_version,
  e.data::text AS data, e.metadata::text AS metadata, e.occurred_at`;

const toRecorded = (r: EventRow): RecordedEvent => ({
  id: r.id,
  type: r.type,
  data: JSON.parse(r.data),
  schemaVersion: Number(r.schema_version),
  metadata: JSON.parse(r.metadata),
  stream: r.stream,
  revision: Number(r.revision),
  position: BigInt(r.position),
  occurredAt: new Date(r.occurred_at),
});

/**
 * `EventStore` on PostgreSQL's dialect, over any `SqlExecutor`: a `pg` Pool (`openPostgresEventStore`) or PGlite
 * (`openPGliteEventStore`) run exactly this SQL.
 *
 * Concurrency and the global order:
 * - an append first locks its stream's row in `streams` (inserting it at revision -1 if new, which makes a
 *   concurrent creator wait instead of failing) and checks the expected revision against the locked row, so
 *   conflicts are decided by the database and `WrongExpectedVersion.actual` is exact;
 * - it then takes its positions from the single-row counter `positions` (`UPDATE … SET last = last + n`), in the
 *   same statement that inserts the events, right before COMMIT. The counter's row lock is held until commit, so
 *   the next appender gets the following positions only after this one is committed and visible: positions are
 *   handed out in commit order, dense and without holes. A reader paging `position > after` can therefore never
 *   pass over an event that commits later (a sequence would: its values are taken at insert time, and a
 *   transaction holding position 7 can commit after one holding 8 was already read). The price is that appends
 *   serialise on the counter from that statement to commit (one commit at a time, ~1 ms each on local disks),
 *   which is plenty for an identity platform; a safe high-water mark would allow parallel commits at the cost of
 *   readers waiting on the oldest open transaction.
 * - locks are always taken in the order stream row → counter, and the counter is held by one append at a time,
 *   so appends cannot deadlock; READ COMMITTED (pinned) means no serialization failures either.
 */
export class PostgresEventStore implements EventStore {
  /** Checkpoints kept in the same database and schema (shares this store's connections and lifetime). */
  readonly checkpoints: PostgresCheckpointStore;
  private readonly s: string;
  private readonly now: () => Date;
  private closed = false;

  constructor(
    private readonly db: SqlExecutor,
    options: PostgresEventStoreOptions = {},
  ) {
    this.s = quoteSchema(options.schema ?? 'event_store');
    this.now = options.now ?? (() => new Date());
    this.checkpoints = new PostgresCheckpointStore(db, options.schema ?? 'event_store', () => this.closed);
  }

  async append(
    stream: string,
    events: readonly NewEvent[],
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    this.assertOpen();
    const encoded = encodeAppend(stream, events, expected);
    if (encoded.length === 0) return this.check(stream, expected);
    try {
      return await this.db.transaction(async (tx) => {
        const current = await this.lockStream(tx, stream);
        if (!revisionMatches(expected, current))
          throw new WrongExpectedVersion(stream, expected, current === -1 ? 'no_stream' : current);
        const [row] = await tx.query<{ position: string }>(
          `WITH counter AS (
             UPDATE ${this.s}.positions SET last = last + $2::int RETURNING last
           ), inserted AS (
             INSERT INTO ${this.s}.events (position, stream, revision, id, type, schema_version, data, metadata, occurred_at)
             SELECT counter.last - $2::int + e.ord, $1, $3::int + e.ord::int, e.id, e.type, e.schema_version,
                    e.data::jsonb, e.metadata::jsonb, $4::timestamptz
             FROM counter,
                  unnest($5::uuid[], $6::text[], $7::int[], $8::text[], $9::text[])
                    WITH ORDINALITY AS e(id, type, schema_version, data, metadata, ord)
             RETURNING position
           ), moved AS (
             UPDATE ${this.s}.streams SET revision = $3::int + $2::int WHERE stream = $1
           )
           SELECT max(position)::text AS position FROM inserted`,
          [
            stream,
            encoded.length,
            current,
            this.now().toISOString(),
            encoded.map((e) => e.id),
            encoded.map((e) => e.type),
            encoded.map((e) => e.schemaVersion),
            encoded.map((e) => e.data),
            encoded.map((e) => e.metadata),
          ],
        );
        return { nextExpectedRevision: current + encoded.length, position: BigInt(row!.position) };
      });
    } catch (err) {
      // Unreachable while every writer follows the locking protocol above; kept so that a writer that does not
      // (a manual INSERT, a future code path) still surfaces as a conflict rather than an outage.
      if (isUniqueViolation(err, 'events_stream_revision_key')) {
        const { revision } = await this.run(() => this.streamHead(stream));
        throw new WrongExpectedVersion(stream, expected, revision === -1 ? 'no_stream' : revision);
      }
      if (isUniqueViolation(err, 'events_id_key'))
        throw new InvalidAppend(`an event id of this append already exists`);
      throw toStoreError(err);
    }
  }

  async readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    this.assertOpen();
    const { fromRevision, maxCount } = readStreamArgs(options);
    if (maxCount === 0) return [];
    const rows = await this.run((db) =>
      db.query<EventRow>(
        `SELECT ${COLUMNS} FROM ${this.s}.events e WHERE e.stream = $1 AND e.revision >= $2 ORDER BY e.revision LIMIT $3`,
        [stream, fromRevision, maxCount ?? null],
      ),
    );
    return rows.map(toRecorded);
  }

  async readAll(after?: Position, limit?: number): Promise<RecordedEvent[]> {
    this.assertOpen();
    const args = readAllArgs(after, limit);
    // Gap-free by construction (see the class comment): every committed position below the highest visible
    // one is already visible, so no high-water mark is needed here.
    const rows = await this.run((db) =>
      db.query<EventRow>(
        `SELECT ${COLUMNS} FROM ${this.s}.events e WHERE e.position > $1::bigint ORDER BY e.position LIMIT $2`,
        [args.after.toString(), args.limit],
      ),
    );
    return rows.map(toRecorded);
  }

  async headPosition(): Promise<Position | undefined> {
    this.assertOpen();
    const [row] = await this.run((db) =>
      db.query<{ last: string }>(`SELECT last::text AS last FROM ${this.s}.positions`),
    );
    const last = BigInt(row?.last ?? '0');
    return last === 0n ? undefined : last;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.db.close();
  }

  /** Locks the stream's row for this transaction and returns its revision (-1: the stream does not exist). */
  private async lockStream(tx: SqlSession, stream: string): Promise<number> {
    // On conflict the row is locked (DO UPDATE); a concurrent first append to the same new stream waits for
    // ours to end, then sees our row. A row inserted at -1 disappears with the rollback of a failed append.
    const [row] = await tx.query<{ revision: number }>(
      `INSERT INTO ${this.s}.streams AS s (stream, revision) VALUES ($1, -1)
       ON CONFLICT (stream) DO UPDATE SET revision = s.revision
       RETURNING revision`,
      [stream],
    );
    return Number(row!.revision);
  }

  /** The empty append: a read-only check, no lock needed since nothing is written. */
  private async check(stream: string, expected: ExpectedRevision): Promise<AppendResult> {
    const { revision, position } = await this.run(() => this.streamHead(stream));
    if (!revisionMatches(expected, revision))
      throw new WrongExpectedVersion(stream, expected, revision === -1 ? 'no_stream' : revision);
    return { nextExpectedRevision: revision, position };
  }

  private async streamHead(stream: string): Promise<{ revision: number; position: Position }> {
    const [row] = await this.db.query<{ revision: number; position: string | null }>(
      `SELECT s.revision, e.position::text AS position
       FROM ${this.s}.streams s LEFT JOIN ${this.s}.events e ON e.stream = s.stream AND e.revision = s.revision
       WHERE s.stream = $1`,
      [stream],
    );
    return { revision: row ? Number(row.revision) : -1, position: BigInt(row?.position ?? '0') };
  }

  private async run<T>(fn: (db: SqlExecutor) => Promise<T>): Promise<T> {
    try {
      return await fn(this.db);
    } catch (err) {
      throw toStoreError(err);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new EventStoreClosed();
  }
}

const isUniqueViolation = (err: unknown, constraint: string): boolean =>
  (err as { code?: unknown })?.code === '23505' &&
  (err as { constraint?: unknown }).constraint === constraint;

/**
 * Connects to PostgreSQL, brings the schema up to date (see `migrate`) and returns the store. Fails with
 * `EventStoreUnavailable` naming the server when it cannot be reached, so a bad `EVENT_STORE_URL` stops the boot.
 */
export const openPostgresEventStore = async (
  options: OpenPostgresEventStoreOptions,
): Promise<PostgresEventStore> => {
  const schema = options.schema ?? 'event_store';
  quoteSchema(schema);
  const db = new PgExecutor({
    connectionTimeoutMillis: 10_000,
    ...options.pool,
    connectionString: options.url,
    max: options.poolSize ?? 10,
    application_name: options.pool?.application_name ?? 'idp-event-store',
  });
  try {
    await migrate(db, schema);
  } catch (err) {
    await db.close().catch(() => undefined);
    const e = toStoreError(err);
    throw e instanceof EventStoreUnavailable
      ? new EventStoreUnavailable(`cannot open the event store at ${redact(options.url)}: ${e.message}`, err)
      : e;
  }
  return new PostgresEventStore(db, options);
};

/** The URL without its password, for error messages. */
const redact = (url: string): string => {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
};
