import type { ParkedEvent, ParkedEventStore } from '../parked-event.store';

/** Parked events in process memory (embedded mode, where read models are rebuilt at boot anyway; tests). */
export class InMemoryParkedEventStore implements ParkedEventStore {
  private readonly events = new Map<string, ParkedEvent>();

  async park(event: ParkedEvent): Promise<void> {
    this.events.set(`${event.consumer}\0${event.eventId}`, { ...event, parkedAt: new Date(event.parkedAt) });
  }

  async list(consumer?: string, page: { skip?: number; limit?: number } = {}): Promise<ParkedEvent[]> {
    const skip = page.skip ?? 0;
    return [...this.events.values()]
      .filter((e) => consumer === undefined || e.consumer === consumer)
      .sort((a, b) =>
        a.consumer < b.consumer ? -1 : a.consumer > b.consumer ? 1 : a.position < b.position ? -1 : 1,
      )
      .slice(skip, page.limit === undefined ? undefined : skip + page.limit)
      .map((e) => ({ ...e, parkedAt: new Date(e.parkedAt) }));
  }

  async count(consumer?: string): Promise<number> {
    return (await this.list(consumer)).length;
  }

  async clear(consumer: string): Promise<void> {
    for (const [key, e] of this.events) if (e.consumer === consumer) this.events.delete(key);
  }
}
