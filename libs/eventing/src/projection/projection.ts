import type { RecordedEvent } from '../event-store/event';
import type { ReadDocument, ReadModel, ReadStore } from '../read-store/read-store.port';

/** Document types of the read models a projection owns, by a local name: `{ accounts: AccountView }`. */
export type ReadModels = Record<string, ReadDocument>;
export type ReadModelsOf<M extends ReadModels> = { readonly [K in keyof M]: ReadModel<M[K]> };
export type ReadStoresOf<M extends ReadModels> = { readonly [K in keyof M]: ReadStore<M[K]> };

/**
 * A projection: plain data plus one function. It owns its read models (cleared on rebuild) and turns events of
 * the types it `handles` into guarded writes.
 *
 * `apply` must be deterministic (same event, same documents -> same writes) and must pass `event.position` to
 * every write: that is what makes re-delivery, retries after a partial failure and replays change nothing.
 * Write each document at most once per event. Throwing makes the runner retry the event, then park it.
 *
 * Bump `version` whenever `apply` or a read model's shape changes: the runner then rebuilds from zero at start.
 */
export interface Projection<M extends ReadModels = ReadModels, E extends RecordedEvent = RecordedEvent> {
  /** Stable name; keys its checkpoint and parked events. */
  readonly name: string;
  /** Positive integer. */
  readonly version: number;
  /** Event types `apply` receives; others only advance the checkpoint. */
  readonly handles: readonly string[];
  readonly readModels: ReadModelsOf<M>;
  apply(event: E, stores: ReadStoresOf<M>): Promise<void>;
}

/** Identity function that infers `M` from `readModels`, so `apply` sees typed stores. */
export const defineProjection = <M extends ReadModels, E extends RecordedEvent = RecordedEvent>(
  projection: Projection<M, E>,
): Projection<M, E> => projection;
