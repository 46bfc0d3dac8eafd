/** Outcome of claiming an event for processing. */
export type ClaimResult =
  | { status: 'claimed'; token: string }
  /** Processed before: do nothing. */
  | { status: 'done' }
  /** Another handler holds a live claim: retry later. */
  | { status: 'busy' };

/**
 * Consumer-side record of processed events, keyed by (consumer, key) where key is an event id or
 * `stream@revision`. A claim is a lease: a handler that dies mid-way lets another take over once the lease
 * expires. Each method is one atomic single-document operation (no transactions needed).
 *
 * - `claim`: `claimed` (with a token) when the key is new, released, or its lease expired; `done` when
 *   completed before; `busy` while someone else's lease runs;
 * - `complete`: marks it done; false when the lease was lost to another handler meanwhile;
 * - `release`: drops a claim after a failed handler, so a retry may run;
 * - `prune`: forgets keys completed before a date (longer ago than the topic's retention).
 * Errors: the adapter's unavailability error (`ReadStoreUnavailable` for MongoDB); retry.
 */
export interface ProcessedEventStore {
  claim(consumer: string, key: string, leaseMs: number, now: Date): Promise<ClaimResult>;
  complete(consumer: string, key: string, token: string, now: Date): Promise<boolean>;
  release(consumer: string, key: string, token: string): Promise<void>;
  prune(consumer: string, completedBefore: Date): Promise<number>;
}

/** DI token for the processed event store port. */
export const PROCESSED_EVENT_STORE = Symbol('PROCESSED_EVENT_STORE');
