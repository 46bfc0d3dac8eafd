import { lastValueFrom } from 'rxjs';
import type { EventPublisher, OutgoingMessage } from '../relay/event-publisher.port';
import type { BusClient } from './bus-client';
import { jsonBusRecord } from './bus-record';

/**
 * The relay's `EventPublisher` on the bus: one `emitBatch` per call, each message keyed by its stream with
 * its JSON value written as is. Resolves when the client's emit resolves: on Kafka once acknowledged by
 * all in-sync replicas; in-process as the client's `emitAck` says (`'handled'` in embedded mode).
 * Rejects with the client's error; part of the batch may then be published (the relay retries the call).
 */
export class BusEventPublisher implements EventPublisher {
  constructor(private readonly client: BusClient) {}

  async publish(topic: string, messages: OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const records = messages.map((m) => jsonBusRecord(m.key, m.value, m.headers));
    await lastValueFrom(this.client.emitBatch(topic, { messages: records }), { defaultValue: undefined });
  }
}
