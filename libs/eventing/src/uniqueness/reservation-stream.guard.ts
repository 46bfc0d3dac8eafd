import { createHash } from 'node:crypto';
import type { Decider } from '../decider/decider';
import { handleCommand } from '../decider/handle-command';
import type { EventStore } from '../event-store/event-store.port';
import {
  NotClaimOwner,
  normaliseUniqueValue,
  type UniquenessGuard,
  ValueAlreadyClaimed,
} from './uniqueness-guard.port';

type ReservationEvent =
  | { type: 'ValueClaimed'; data: { scope: string; value: string; owner: string } }
  | { type: 'ValueReleased'; data: { scope: string; value: string; owner: string } };
type ReservationCommand =
  | { type: 'Claim'; data: { scope: string; value: string; owner: string } }
  | { type: 'Release'; data: { scope: string; value: string; owner: string } };
type ReservationState = { owner?: string };

const reservation: Decider<ReservationCommand, ReservationEvent, ReservationState> = {
  initialState: () => ({}),
  evolve: (_state, event) => (event.type === 'ValueClaimed' ? { owner: event.data.owner } : {}),
  decide: (command, state) => {
    const { scope, value, owner } = command.data;
    switch (command.type) {
      case 'Claim':
        if (state.owner === owner) return [];
        if (state.owner !== undefined) throw new ValueAlreadyClaimed(scope, value);
        return [{ type: 'ValueClaimed', data: command.data }];
      case 'Release':
        if (state.owner === undefined) return [];
        if (state.owner !== owner) throw new NotClaimOwner(scope, value);
        return [{ type: 'ValueReleased', data: command.data }];
    }
  },
};

/**
 * Uniqueness through reservation streams (`unique-<scope>-<value>`), one per value, on any EventStore.
 * The store's optimistic concurrency makes the claim atomic: concurrent claimers all append expecting the
 * same revision, one wins, the others reload, see the owner and fail with `ValueAlreadyClaimed`.
 * Works unchanged on PostgreSQL, PGlite, EventStoreDB and in memory.
 */
export class ReservationStreamGuard implements UniquenessGuard {
  constructor(private readonly store: EventStore) {}

  async claim(scope: string, value: string, owner: string): Promise<void> {
    await handleCommand(
      this.store,
      streamOf(scope, value),
      reservation,
      {
        type: 'Claim',
        data: { scope, value: normaliseUniqueValue(value), owner },
      },
      { maxRetries: 10 },
    );
  }

  async release(scope: string, value: string, owner: string): Promise<void> {
    await handleCommand(
      this.store,
      streamOf(scope, value),
      reservation,
      {
        type: 'Release',
        data: { scope, value: normaliseUniqueValue(value), owner },
      },
      { maxRetries: 10 },
    );
  }

  async rename(scope: string, from: string, to: string, owner: string): Promise<void> {
    if (normaliseUniqueValue(from) === normaliseUniqueValue(to)) return;
    await this.claim(scope, to, owner);
    await this.release(scope, from, owner);
  }

  async ownerOf(scope: string, value: string): Promise<string | undefined> {
    const events = (await this.store.readStream(streamOf(scope, value))) as unknown as ReservationEvent[];
    return events.reduce(reservation.evolve, reservation.initialState()).owner;
  }
}

/** Readable stream names for ordinary values; a hash for long ones, which stream names cannot hold. */
const streamOf = (scope: string, value: string) => {
  const v = normaliseUniqueValue(value);
  return v.length <= 200
    ? `unique-${scope}-${v}`
    : `unique-${scope}-sha256:${createHash('sha256').update(v).digest('hex')}`;
};
