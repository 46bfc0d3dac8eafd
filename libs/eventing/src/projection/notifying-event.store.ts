import type { NewEvent, Position, RecordedEvent } from '../event-store/event';
import type {
  AppendResult,
  EventStore,
  ExpectedRevision,
  ReadStreamOptions,
} from '../event-store/event-store.port';

/** Something tailing the store that can be woken: a projection runner or a relay. */
export interface Notifiable {
  notify(): void;
}

/**
 * An EventStore decorator that wakes the tailers of this process after every successful append, so
 * projections and the relay react at once instead of at their next poll. Tailers in other processes still
 * rely on their poll interval: that is what bounds their staleness.
 */
export class NotifyingEventStore implements EventStore {
  private readonly targets = new Set<Notifiable>();

  constructor(private readonly inner: EventStore) {}

  /** Registers a tailer; returns the function that unregisters it. */
  subscribe(target: Notifiable): () => void {
    this.targets.add(target);
    return () => this.targets.delete(target);
  }

  async append(
    stream: string,
    events: readonly NewEvent[],
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    const result = await this.inner.append(stream, events, expected);
    if (events.length) for (const t of this.targets) t.notify();
    return result;
  }

  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return this.inner.readStream(stream, options);
  }

  readAll(after?: Position, limit?: number): Promise<RecordedEvent[]> {
    return this.inner.readAll(after, limit);
  }

  headPosition(): Promise<Position | undefined> {
    return this.inner.headPosition();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
