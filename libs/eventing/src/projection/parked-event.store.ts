import type { Position } from '../event-store/event';

/** An event a projection (or consumer) gave up on after its retries, kept for operators. */
export interface ParkedEvent {
  /** Projection or consumer name. */
  consumer: string;
  eventId: string;
  type: string;
  stream: string;
  revision: number;
  position: Position;
  /** Error code (when it has one) and message of the last attempt. */
  error: string;
  attempts: number;
  parkedAt: Date;
}

/**
 * Where failing events are parked instead of blocking their consumer forever or being skipped silently.
 * `park` is idempotent per (consumer, eventId): parking again (a replay hit the same failure) updates the
 * record. `list` orders by consumer then position. Parked events are fixed by fixing the projection and
 * rebuilding it (a version bump), which `clear`s its records; re-applying one event out of order would be
 * ignored by position-guarded writes anyway.
 * Errors: the adapter's unavailability error (`ReadStoreUnavailable` for MongoDB); retry.
 */
export interface ParkedEventStore {
  park(event: ParkedEvent): Promise<void>;
  list(consumer?: string, page?: { skip?: number; limit?: number }): Promise<ParkedEvent[]>;
  count(consumer?: string): Promise<number>;
  clear(consumer: string): Promise<void>;
}

/** DI token for the parked event store port. */
export const PARKED_EVENT_STORE = Symbol('PARKED_EVENT_STORE');

/** "CODE: message" of an error, for a parked record or a status line. */
export const describeError = (err: unknown): string => {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? `${code}: ${err.message}` : `${err.name}: ${err.message}`;
};
