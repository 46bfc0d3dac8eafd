import type { RecordedEvent } from '../event-store/event';
import { systemClock, type Clock } from '../ids/uuid-v7';
import type { ProcessedEventStore } from './processed-event.store';

/** Another handler is processing this event right now. Retry later (the message is redelivered). */
export class EventInProgress extends Error {
  readonly code = 'PROCESSED_EVENTS.IN_PROGRESS';
  constructor(
    readonly consumer: string,
    readonly key: string,
  ) {
    super(`${consumer}: ${key} is being processed by another handler`);
    this.name = 'EventInProgress';
  }
}

export interface ProcessedEventsOptions {
  /** Consumer name, e.g. `notification.invitations`: each consumer dedupes on its own. */
  consumer: string;
  /**
   * `id` (default) dedupes by event id; `stream-revision` by `stream@revision`, which also catches one stored
   * event relayed under two ids (a bug elsewhere) at the cost of needing streams unique per source service.
   */
  keyBy?: 'id' | 'stream-revision';
  /** How long a claim holds before another handler may take over. Must exceed the handler's worst case. Default 60 s. */
  leaseMs?: number;
  clock?: Clock;
}

/**
 * Consumer-side idempotency guard: `once(event, handle)` runs `handle` at most once per event for this
 * consumer across redeliveries, restarts and replicas, so a redelivered `MemberInvited` sends no second email.
 *
 * Claim, handle, complete. A handler that throws releases its claim (the redelivery retries it). The one gap
 * without a transaction spanning the effect: a process killed after the effect but before `complete` runs
 * the handler again once the lease expires — so effects that must never repeat (mail) should also record
 * their own outcome (e.g. a `EmailSent` event checked by the handler), as the notification service does.
 */
export class ProcessedEvents {
  private readonly keyBy: 'id' | 'stream-revision';
  private readonly leaseMs: number;
  private readonly clock: Clock;

  constructor(
    private readonly store: ProcessedEventStore,
    private readonly options: ProcessedEventsOptions,
  ) {
    this.keyBy = options.keyBy ?? 'id';
    this.leaseMs = options.leaseMs ?? 60_000;
    this.clock = options.clock ?? systemClock;
  }

  keyOf(event: Pick<RecordedEvent, 'id' | 'stream' | 'revision'>): string {
    return this.keyBy === 'id' ? event.id : `${event.stream}@${event.revision}`;
  }

  /**
   * Runs `handle` unless this consumer already processed `event`. Resolves true when it ran, false for a
   * duplicate. Throws `EventInProgress` while another handler holds the event, and whatever `handle` throws.
   */
  async once(
    event: Pick<RecordedEvent, 'id' | 'stream' | 'revision'>,
    handle: () => Promise<void>,
  ): Promise<boolean> {
    const { consumer } = this.options;
    const key = this.keyOf(event);
    const claim = await this.store.claim(consumer, key, this.leaseMs, this.clock.now());
    if (claim.status === 'done') return false;
    if (claim.status === 'busy') throw new EventInProgress(consumer, key);
    try {
      await handle();
    } catch (err) {
      await this.store.release(consumer, key, claim.token).catch(() => undefined); // the lease expires anyway
      throw err;
    }
    await this.store.complete(consumer, key, claim.token, this.clock.now());
    return true;
  }
}
