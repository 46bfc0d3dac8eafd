import {
  ANY,
  BACKWARDS,
  END,
  ErrorType,
  FORWARDS,
  KurrentDBClient,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  isCommandError,
  type AppendStreamState,
  type EventData,
  type JSONType,
  type ReadPosition,
  type RecordedEvent as KurrentRecordedEvent,
} from '@kurrent/kurrentdb-client';
import {
  EventStoreClosed,
  EventStoreError,
  EventStoreUnavailable,
  InvalidAppend,
  WrongExpectedVersion,
} from '../errors';
import type { EventMetadata, NewEvent, Position, RecordedEvent } from '../event';
import type { AppendResult, EventStore, ExpectedRevision, ReadStreamOptions } from '../event-store.port';
import { encodeAppend, readAllArgs, readStreamArgs, revisionMatches } from '../validate';

export interface KurrentDBEventStoreOptions {
  /** Source of `occurredAt`. Default: the system clock. */
  now?: () => Date;
}

export interface OpenKurrentDBEventStoreOptions extends KurrentDBEventStoreOptions {
  /**
   * `kurrentdb://` or `esdb://` connection string, e.g. `kurrentdb://admin:changeit@host:2113?tls=true`. Reading
   * `$all` needs a user allowed to (an admin by default) on a secure server.
   */
  url: string;
}

/**
 * How our envelope travels in an event's metadata JSON. The caller's metadata sits under `metadata` (never mixed
 * with ours, so any key round-trips), and correlation/causation ids are copied to EventStoreDB's own `$`-keys so
 * its `$by_correlation_id` projection and UI understand them.
 */
interface StoredMetadata {
  schemaVersion: number;
  occurredAt: string;
  metadata: EventMetadata;
  $correlationId?: string;
  $causationId?: string;
}

/** Events per round trip when scanning `$all`, which also holds system events we skip. */
const SCAN_PAGE = 256;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);

const isSystem = (e: KurrentRecordedEvent): boolean => e.streamId.startsWith('$') || e.type.startsWith('$');

const positionOf = (e: KurrentRecordedEvent): Position => {
  if (!e.position)
    throw new EventStoreUnavailable(
      'KurrentDB: the server returned an event without a position (server older than 22.10?)',
    );
  return e.position.commit;
};

const toRecorded = (e: KurrentRecordedEvent): RecordedEvent => {
  const stored =
    isObject(e.metadata) && typeof e.metadata.schemaVersion === 'number' && isObject(e.metadata.metadata)
      ? (e.metadata as unknown as StoredMetadata)
      : undefined;
  return {
    id: e.id,
    type: e.type,
    data: e.data,
    // Events written by something else than this adapter keep what they have.
    schemaVersion: stored?.schemaVersion ?? 1,
    metadata: stored ? stored.metadata : isObject(e.metadata) ? (e.metadata as EventMetadata) : {},
    stream: e.streamId,
    revision: Number(e.revision),
    position: positionOf(e),
    occurredAt: stored?.occurredAt ? new Date(stored.occurredAt) : e.created,
  };
};

const streamState = (expected: ExpectedRevision): AppendStreamState =>
  expected === 'any'
    ? ANY
    : expected === 'no_stream'
      ? NO_STREAM
      : expected === 'stream_exists'
        ? STREAM_EXISTS
        : BigInt(expected);

/**
 * `EventStore` on EventStoreDB / KurrentDB (gRPC, `@kurrent/kurrentdb-client`).
 *
 * - Expected revisions map one to one onto the server's stream states, and the server decides conflicts;
 *   its `WrongExpectedVersionError` becomes our `WrongExpectedVersion` with the actual revision it reports.
 *   Appends are atomic on the server. Re-sending the same event ids with the same expected revision is
 *   idempotent there (a retry after a timeout does not duplicate), unlike the SQL stores, which refuse a known id.
 * - Positions are `$all` commit positions. `$all` is the server's single log, written by one leader in commit
 *   order, so a tailing reader can never skip a late commit: gap-freedom comes with the log (positions are sparse,
 *   which the port allows). Every event appended through gRPC is its own implicitly committed record, so its
 *   commit and prepare positions are equal, and `{commit: p, prepare: p}` resumes exactly after it: storing the
 *   commit position alone is enough. (Events of legacy explicit TCP transactions share one commit position; a
 *   page never splits such a group, so resuming after that commit position still loses nothing.)
 * - `readAll` hides system events (`$`-prefixed streams or types) by filtering on the client: a server-side filter
 *   may end a page early at its search window, which a reader cannot tell from the end of `$all`, whereas an
 *   unfiltered page that comes back short really is the end.
 * - Connection, timeout, leader and permission failures become `EventStoreUnavailable`; appends above the server's
 *   `MaxAppendSize` (1 MiB by default) become `InvalidAppend`.
 */
export class KurrentDBEventStore implements EventStore {
  private readonly now: () => Date;
  private closed = false;

  constructor(
    private readonly client: KurrentDBClient,
    options: KurrentDBEventStoreOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  async append(
    stream: string,
    events: readonly NewEvent[],
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    this.assertOpen();
    const encoded = encodeAppend(stream, events, expected);
    if (encoded.length === 0) return this.check(stream, expected);
    const occurredAt = this.now().toISOString();
    const data = encoded.map((e, i): EventData => {
      const metadata = JSON.parse(e.metadata) as EventMetadata;
      const stored: StoredMetadata = { schemaVersion: e.schemaVersion, occurredAt, metadata };
      if (typeof metadata.correlationId === 'string') stored.$correlationId = metadata.correlationId;
      if (typeof metadata.causationId === 'string') stored.$causationId = metadata.causationId;
      // The client JSON-encodes data itself; `encodeAppend` already proved it encodes (and to what).
      return {
        id: e.id,
        contentType: 'application/json',
        type: e.type,
        data: events[i]!.data as JSONType,
        metadata: stored as unknown as JSONType,
      };
    });
    try {
      const result = await this.client.appendToStream(stream, data, { streamState: streamState(expected) });
      const nextExpectedRevision = Number(result.nextExpectedRevision);
      // For a batch, the reported commit position is the last event's (its prepare is the batch's first).
      const position = result.position?.commit ?? (await this.lastOf(stream))?.position ?? 0n;
      return { nextExpectedRevision, position };
    } catch (err) {
      throw toStoreError(err, stream, expected);
    }
  }

  async readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    this.assertOpen();
    const { fromRevision, maxCount } = readStreamArgs(options);
    if (maxCount === 0) return [];
    const out: RecordedEvent[] = [];
    try {
      const read = this.client.readStream(stream, {
        direction: FORWARDS,
        fromRevision: BigInt(fromRevision),
        ...(maxCount === undefined ? {} : { maxCount }),
      });
      for await (const r of read) if (r.event) out.push(toRecorded(r.event));
    } catch (err) {
      if (isNotFound(err)) return [];
      throw toStoreError(err);
    }
    return out;
  }

  async readAll(after?: Position, limit?: number): Promise<RecordedEvent[]> {
    this.assertOpen();
    const args = readAllArgs(after, limit);
    const out: RecordedEvent[] = [];
    // Everything at or before `cursor` was already seen (a forward read includes its start position).
    let cursor = args.after;
    try {
      for (;;) {
        const from: ReadPosition = cursor === 0n ? START : { commit: cursor, prepare: cursor };
        const requested = Math.max(args.limit - out.length + 1, SCAN_PAGE);
        let received = 0;
        let full = false;
        for await (const r of this.client.readAll({
          direction: FORWARDS,
          fromPosition: from,
          maxCount: requested,
        })) {
          received++;
          const e = r.event;
          if (!e) continue;
          const position = positionOf(e);
          if (position <= cursor) continue;
          // Page full: stop, unless this event shares the last one's commit position (legacy transaction).
          if (out.length >= args.limit && position !== out.at(-1)!.position) {
            full = true;
            break;
          }
          cursor = position;
          if (!isSystem(e)) out.push(toRecorded(e));
        }
        if (full || received < requested) return out;
      }
    } catch (err) {
      throw toStoreError(err);
    }
  }

  async headPosition(): Promise<Position | undefined> {
    this.assertOpen();
    // Newest first; system events (statistics, scavenges, …) at the tail are skipped, page by page.
    let boundary: Position | undefined; // everything at or after it was seen already
    try {
      for (;;) {
        const from: ReadPosition = boundary === undefined ? END : { commit: boundary, prepare: boundary };
        let received = 0;
        let oldest: Position | undefined;
        for await (const r of this.client.readAll({
          direction: BACKWARDS,
          fromPosition: from,
          maxCount: SCAN_PAGE,
        })) {
          received++;
          if (!r.event) continue;
          const position = positionOf(r.event);
          if (boundary !== undefined && position >= boundary) continue;
          if (!isSystem(r.event)) return position;
          oldest = position;
        }
        if (received < SCAN_PAGE || oldest === undefined) return undefined;
        boundary = oldest;
      }
    } catch (err) {
      throw toStoreError(err);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.dispose();
  }

  /** The empty append: a read-only check of the stream's last revision (nothing is written, so no race matters). */
  private async check(stream: string, expected: ExpectedRevision): Promise<AppendResult> {
    const last = await this.lastOf(stream);
    const revision = last?.revision ?? -1;
    if (!revisionMatches(expected, revision))
      throw new WrongExpectedVersion(stream, expected, last ? revision : 'no_stream');
    return { nextExpectedRevision: revision, position: last?.position ?? 0n };
  }

  private async lastOf(stream: string): Promise<RecordedEvent | undefined> {
    try {
      for await (const r of this.client.readStream(stream, {
        direction: BACKWARDS,
        fromRevision: END,
        maxCount: 1,
      }))
        if (r.event) return toRecorded(r.event);
      return undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw toStoreError(err);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new EventStoreClosed();
  }
}

const isNotFound = (err: unknown): boolean =>
  err instanceof Error &&
  isCommandError(err) &&
  (err.type === ErrorType.STREAM_NOT_FOUND || err.type === ErrorType.NO_STREAM);

/** Maps the client's errors onto the port's (see the class comment). */
const toStoreError = (err: unknown, stream?: string, expected?: ExpectedRevision): EventStoreError => {
  if (err instanceof EventStoreError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof Error && isCommandError(err)) {
    switch (err.type) {
      case ErrorType.WRONG_EXPECTED_VERSION:
        if (stream !== undefined && expected !== undefined)
          return new WrongExpectedVersion(
            stream,
            expected,
            typeof err.actualState === 'bigint' ? Number(err.actualState) : 'no_stream',
          );
        break;
      case ErrorType.MAXIMUM_APPEND_SIZE_EXCEEDED:
      case ErrorType.APPEND_RECORD_SIZE_EXCEEDED:
      case ErrorType.TRANSACTION_MAX_SIZE_EXCEEDED:
        return new InvalidAppend(`the append is larger than the server accepts: ${message}`);
      case ErrorType.STREAM_DELETED:
      case ErrorType.STREAM_TOMBSTONED:
        return new EventStoreError(
          'EVENT_STORE.STREAM_DELETED',
          `stream ${stream ?? ''} was deleted: ${message}`,
        );
    }
  }
  return new EventStoreUnavailable(`KurrentDB: ${message}`, err);
};

/**
 * Connects to EventStoreDB/KurrentDB and checks the server answers (reading the head of `$all`), so a bad or
 * unreachable `EVENT_STORE_URL` fails the boot with `EventStoreUnavailable` instead of the first request.
 */
export const openKurrentDBEventStore = async (
  options: OpenKurrentDBEventStoreOptions,
): Promise<KurrentDBEventStore> => {
  let client: KurrentDBClient;
  try {
    client = KurrentDBClient.connectionString(options.url);
  } catch (err) {
    throw new EventStoreUnavailable(`invalid KurrentDB connection string: ${(err as Error).message}`, err);
  }
  const store = new KurrentDBEventStore(client, options);
  try {
    await store.headPosition();
  } catch (err) {
    await store.close().catch(() => undefined);
    throw new EventStoreUnavailable(
      `cannot open the event store at ${redact(options.url)}: ${(err as Error).message}`,
      err,
    );
  }
  return store;
};

const redact = (url: string): string => url.replace(/\/\/([^:@/]+):([^@/]+)@/, '//$1:***@');
