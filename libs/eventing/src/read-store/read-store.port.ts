import type { Position } from '../event-store/event';

/** A value that `where` conditions compare against. */
export type Scalar = string | number | boolean | null;

/** Every read-model document carries its own id (unique within its read model). */
export interface ReadDocument {
  id: string;
}

/**
 * A field of a document: a top-level key, or a dotted path into nested objects (`profile.name`). Paths are
 * plain identifiers, so a user-supplied name can never smuggle an operator into the backing query.
 */
export type FieldPath<T> = Extract<keyof T, string> | (string & {});

/**
 * Declares one read model. Queries may use any field; `indexes` only make them fast on MongoDB (the
 * in-memory adapter ignores them), `searchable` is the closed list of fields `search` may name.
 */
export interface ReadModel<T extends ReadDocument> {
  /** Collection name, unique per database: `^[a-z][a-z0-9_-]{0,62}$`. */
  readonly name: string;
  /** Compound indexes, field -> 1 (ascending) or -1 (descending); `id` is always indexed. */
  readonly indexes?: ReadonlyArray<Readonly<Partial<Record<FieldPath<T>, 1 | -1>>>>;
  /**
   * Fields searchable case-insensitively. Each keeps a normalised shadow copy (Unicode NFKC, lower case)
   * written with the document, so both adapters match with the same JavaScript folding instead of
   * depending on a database's regex case rules; on MongoDB the shadow is indexed (prefix search uses it).
   * Values must be strings or arrays of strings; anything else is not searchable.
   */
  readonly searchable?: ReadonlyArray<FieldPath<T>>;
}

/** `field: value` is equality; `{ $in: [...] }` matches any listed value. */
export type Condition = Scalar | { readonly $in: readonly Scalar[] };

/** Case-insensitive text match on declared `searchable` fields; a document matches if ANY field does. */
export interface Search<T = unknown> {
  readonly text: string;
  readonly fields: ReadonlyArray<FieldPath<T>>;
  /** `contains` (default) matches anywhere, `prefix` only at the start of the value. */
  readonly mode?: 'contains' | 'prefix';
}

/**
 * Which documents a query selects: every `where` condition AND every search. Semantics shared by all
 * adapters (the contract suite pins them):
 * - a missing field equals `null`;
 * - on a field holding an array, equality and `$in` match when any element matches;
 * - `1` and `'1'` differ; string equality is exact (case-sensitive);
 * - a search whose text is empty or only whitespace matches everything (an empty `q`).
 */
export interface Filter<T = unknown> {
  readonly where?: Readonly<Partial<Record<FieldPath<T>, Condition>>>;
  readonly search?: Search<T> | ReadonlyArray<Search<T>>;
}

export type SortDirection = 'asc' | 'desc';

/**
 * A page of documents. Sorting is by the given fields then by `id` ascending, so pages are stable. Values
 * sort as MongoDB does: missing/null < numbers < strings (by Unicode code point) < booleans. Sort only on
 * fields holding scalars.
 */
export interface Query<T = unknown> extends Filter<T> {
  readonly sort?: ReadonlyArray<readonly [field: FieldPath<T>, direction: SortDirection]>;
  /** Documents to pass over; a non-negative integer. */
  readonly skip?: number;
  /** Most documents to return; a non-negative integer (`0` returns none). Default: all. */
  readonly limit?: number;
}

/**
 * The documents of ONE read model, written by projections and read by query handlers.
 *
 * Idempotency without transactions: every document stores the position of the event that last wrote it,
 * and every write carries the position of the event that causes it. A write whose position is not above
 * the stored one (stale or equal) changes nothing and returns `false`. Each write is a single atomic
 * conditional operation on one document, so re-delivery and replay converge on the same documents on a
 * database without transactions (FerretDB), and a checkpoint saved after the writes never needs to be
 * atomic with them.
 *
 * Consequences for projection authors:
 * - write each document at most once per event (a second write at the same position is ignored): compute
 *   the whole change, then write it;
 * - positions of one read model must come from one ordered source (one service's store);
 * - deletes leave a tombstone holding the position, so a replayed older event cannot resurrect the
 *   document; `clear()`/`drop()` remove tombstones too.
 *
 * Documents must be JSON (no `Date`, `bigint`, `undefined`): adapters store a JSON copy, and `undefined`
 * properties vanish as in `JSON.stringify`. Use `null` to clear a field.
 *
 * Errors: `InvalidReadQuery` (bad query/document, never retry), `ReadStoreConflict` (`update` contention),
 * `ReadStoreUnavailable` (database unreachable; retry).
 */
export interface ReadStore<T extends ReadDocument> {
  readonly model: ReadModel<T>;

  /** The live document, or `undefined` when absent or deleted. */
  get(id: string): Promise<T | undefined>;
  /** Live documents matching `query`, sorted then paged. */
  find(query?: Query<T>): Promise<T[]>;
  /** Number of live documents matching `filter`. */
  count(filter?: Filter<T>): Promise<number>;
  /**
   * Live documents matching `filter` counted per value of `field` (e.g. `status` for `meta.status-counts`).
   * Keys are `String(value)`; documents where the field is missing, null, an object or an array are not
   * counted. Values absent from the result have a count of 0.
   */
  countBy(field: FieldPath<T>, filter?: Filter<T>): Promise<Record<string, number>>;

  /** Creates or replaces document `doc.id` if `position` is above its stored position. True if written. */
  put(doc: T, position: Position): Promise<boolean>;
  /**
   * Sets top-level fields of a live document (shallow merge) if `position` is above its stored position.
   * False, writing nothing, when the document is absent, deleted or not older.
   */
  patch(id: string, changes: Partial<Omit<T, 'id'>>, position: Position): Promise<boolean>;
  /** `patch` on every live document matching `filter` (each guarded by its own position). Returns how many. */
  patchWhere(filter: Filter<T>, changes: Partial<Omit<T, 'id'>>, position: Position): Promise<number>;
  /**
   * Read-modify-write: calls `change` with the live document (or `undefined`) and writes what it returns,
   * unless the stored position is already at or above `position` (then `change` is not called). Returning
   * `undefined` writes nothing. The write is conditional on the position read, so a concurrent writer makes
   * it re-read and call `change` again (keep `change` pure); after repeated losses it throws
   * `ReadStoreConflict`. The returned document must keep the id.
   */
  update(id: string, position: Position, change: (current: T | undefined) => T | undefined): Promise<boolean>;
  /** Deletes document `id` (leaving a tombstone at `position`) if `position` is above its stored one. */
  delete(id: string, position: Position): Promise<boolean>;

  /** Removes every document and tombstone; the read model stays usable (indexes kept). For rebuilds. */
  clear(): Promise<void>;
  /** Removes the read model with its indexes; the next use recreates it empty. */
  drop(): Promise<void>;
}

/**
 * Opens the read stores of one database (a Mongo database, or process memory). Opening is idempotent and
 * creates missing indexes; two opens of one model name share the same documents.
 * Throws `InvalidReadQuery` for an invalid declaration, `ReadStoreUnavailable` when unreachable.
 */
export interface ReadStoreFactory {
  open<T extends ReadDocument>(model: ReadModel<T>): Promise<ReadStore<T>>;
  /** Releases connections. Further calls fail. */
  close(): Promise<void>;
}

/** DI token for the read store factory port. */
export const READ_STORE_FACTORY = Symbol('READ_STORE_FACTORY');
