import type { NewEvent, Position, RecordedEvent } from './event';

/**
 * What an append expects of the stream before it writes:
 * - `'no_stream'`: the stream must not exist (reservations, first event of an aggregate);
 * - `'stream_exists'`: the stream must have at least one event;
 * - `'any'`: no check;
 * - a number: the stream's last revision must be exactly this (0-based).
 */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | number;

export interface AppendResult {
  /**
   * Revision of the last appended event: pass it as the next append's expected revision. For an empty append,
   * the stream's current revision (`-1` when the stream does not exist).
   */
  nextExpectedRevision: number;
  /**
   * Global position of the last appended event (`readAll(position)` continues right after it). For an empty
   * append, the position of the stream's last event (`0n` when the stream does not exist).
   */
  position: Position;
}

export interface ReadStreamOptions {
  /** First revision to return (inclusive). Default 0. */
  fromRevision?: number;
  /** At most this many events (0 returns none). Default: all. */
  maxCount?: number;
}

/**
 * The source of truth. Every adapter (PostgreSQL, PGlite, EventStoreDB/KurrentDB, in-memory) passes
 * the one contract suite in `event-store.contract.ts`.
 */
export interface EventStore {
  /**
   * Appends `events` to `stream` atomically (all or none) if the stream's revision matches `expected`.
   * Throws `WrongExpectedVersion` (nothing written) on a mismatch, `InvalidAppend` for bad input (checked before
   * anything is written, see `encodeAppend`) and `EventStoreUnavailable` when the store cannot be reached. An
   * empty `events` list writes nothing and still checks `expected`.
   */
  append(stream: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult>;

  /**
   * The stream's events in revision order; `[]` for a stream that does not exist. Throws `InvalidRead` for a
   * negative or fractional `fromRevision`/`maxCount`.
   */
  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;

  /**
   * Up to `limit` events of every stream in the single global order, starting right after `after`
   * (from the beginning when omitted). Gap-free for readers: an event that commits late is never
   * skipped by a reader that already saw later positions (each adapter guarantees it in its own way).
   * System events of the underlying store are never returned. `limit` defaults to 1000; `InvalidRead` for a
   * negative `after` or a `limit` below 1. Positions are strictly increasing but need not be dense.
   */
  readAll(after?: Position, limit?: number): Promise<RecordedEvent[]>;

  /** Position of the newest event, or undefined when the store is empty. */
  headPosition(): Promise<Position | undefined>;

  /** Releases connections. Idempotent. Further calls fail with `EventStoreClosed`. */
  close(): Promise<void>;
}

/** DI token for the event store port. */
export const EVENT_STORE = Symbol('EVENT_STORE');
