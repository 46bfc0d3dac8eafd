import { uuidv7 } from '../../ids/uuid-v7';
import { EventStoreError, WrongExpectedVersion } from '../errors';
import type { Position, RecordedEvent, NewEvent } from '../event';
import type { AppendResult, EventStore, ExpectedRevision, ReadStreamOptions } from '../event-store.port';
import { toJson, validateAppend } from '../validate';

/**
 * Event store in process memory, for unit tests only. Appends are synchronous inside the promise, so they
 * are trivially atomic and ordered; data is copied through JSON so callers never share objects with it.
 */
export class InMemoryEventStore implements EventStore {
  private readonly all: RecordedEvent[] = [];
  private readonly streams = new Map<string, RecordedEvent[]>();
  private closed = false;

  constructor(private readonly now: () => Date = () => new Date()) {}

  async append(stream: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    this.assertOpen();
    validateAppend(stream, events, expected);
    const existing = this.streams.get(stream) ?? [];
    const current = existing.length - 1;
    const ok =
      expected === 'any' ||
      (expected === 'no_stream' && existing.length === 0) ||
      (expected === 'stream_exists' && existing.length > 0) ||
      expected === current;
    if (!ok) throw new WrongExpectedVersion(stream, expected, existing.length === 0 ? 'no_stream' : current);
    const encoded = events.map((e) => ({
      data: toJson(e.data, `data of ${e.type}`),
      metadata: toJson(e.metadata ?? {}, `metadata of ${e.type}`),
    }));
    const occurredAt = this.now();
    events.forEach((e, i) => {
      const recorded: RecordedEvent = {
        id: e.id ?? uuidv7(),
        type: e.type,
        data: JSON.parse(encoded[i]!.data),
        schemaVersion: e.schemaVersion ?? 1,
        metadata: JSON.parse(encoded[i]!.metadata),
        stream,
        revision: existing.length,
        position: BigInt(this.all.length + 1),
        occurredAt,
      };
      existing.push(recorded);
      this.all.push(recorded);
    });
    this.streams.set(stream, existing);
    return { nextExpectedRevision: existing.length - 1, position: BigInt(this.all.length) };
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const from = options.fromRevision ?? 0;
    const events = (this.streams.get(stream) ?? []).slice(from, options.maxCount ? from + options.maxCount : undefined);
    return events.map(copy);
  }

  async readAll(after: Position = 0n, limit = 1000): Promise<RecordedEvent[]> {
    this.assertOpen();
    const start = Number(after < 0n ? 0n : after);
    return this.all.slice(start, start + limit).map(copy);
  }

  async headPosition(): Promise<Position | undefined> {
    return this.all.length ? BigInt(this.all.length) : undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private assertOpen() {
    if (this.closed) throw new EventStoreError('EVENT_STORE.CLOSED', 'event store is closed');
  }
}

const copy = (e: RecordedEvent): RecordedEvent => ({
  ...e,
  data: structuredClone(e.data),
  metadata: structuredClone(e.metadata),
  occurredAt: new Date(e.occurredAt),
});
