import type { EventPublisher, OutgoingMessage } from '../event-publisher.port';

/**
 * Test double of the bus: records what was published, per topic, in order. `failNext` makes the next
 * publish deliver a prefix of its messages and then throw — what a broker outage or a killed process does
 * to a batch.
 */
export class InMemoryEventPublisher implements EventPublisher {
  readonly published: Array<{ topic: string; message: OutgoingMessage }> = [];
  private failures: Array<{ delivered: number; error: Error }> = [];

  async publish(topic: string, messages: OutgoingMessage[]): Promise<void> {
    const failure = this.failures.shift();
    const delivered = failure ? Math.min(failure.delivered, messages.length) : messages.length;
    for (const message of messages.slice(0, delivered))
      this.published.push({ topic, message: structuredClone(message) });
    if (failure) throw failure.error;
  }

  /** The next `times` publishes deliver `delivered` messages, then throw `error`. */
  failNext(options: { delivered?: number; times?: number; error?: Error } = {}): void {
    for (let i = 0; i < (options.times ?? 1); i++)
      this.failures.push({
        delivered: options.delivered ?? 0,
        error: options.error ?? new Error('broker unavailable'),
      });
  }

  /** Stops injecting failures. */
  heal(): void {
    this.failures = [];
  }

  messages(topic: string): OutgoingMessage[] {
    return this.published.filter((p) => p.topic === topic).map((p) => p.message);
  }
}
