import { EventStoreError } from './errors';
import type { Position } from './event';

/**
 * Where a tailing reader (relay, projection runner) remembers how far it got in `EventStore.readAll`, by name.
 * `save` overwrites (last write wins; callers save positions that only move forward) and is durable once it
 * resolves; `load` gives `undefined` for a name never saved. Names are free text (1-200 characters).
 * Throws `EventStoreUnavailable` when the backing store cannot be reached, `EventStoreClosed` after `close`.
 *
 * For exactly-once effects, store the checkpoint in the same transaction as the effect instead (a read model in
 * the same database); this port serves at-least-once consumers whose effects are idempotent.
 */
export interface CheckpointStore {
  load(name: string): Promise<Position | undefined>;
  save(name: string, position: Position): Promise<void>;
}

/** DI token for the checkpoint store port. */
export const CHECKPOINT_STORE = Symbol('CHECKPOINT_STORE');

/** Refuses names and positions no adapter can store, with the same error (`EVENT_STORE.INVALID_CHECKPOINT`) everywhere. */
export const validateCheckpoint = (name: string, position?: Position): void => {
  if (typeof name !== 'string' || name.length === 0 || name.length > 200 || name.includes('\0'))
    throw new EventStoreError(
      'EVENT_STORE.INVALID_CHECKPOINT',
      'checkpoint name must be 1-200 characters without NUL',
    );
  if (position !== undefined && (typeof position !== 'bigint' || position < 0n || position > 2n ** 63n - 1n))
    throw new EventStoreError(
      'EVENT_STORE.INVALID_CHECKPOINT',
      'checkpoint position must be a bigint in [0, 2^63)',
    );
};
