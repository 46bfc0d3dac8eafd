import { EventStoreClosed, WrongExpectedVersion } from '../errors';
import type { Position, RecordedEvent, NewEvent } from '../event';
import type { AppendResult, EventStore, ExpectedRevision, ReadStreamOptions } from '../event-store.port';
import { encodeAppend, readAllArgs, readStreamArgs, revisionMatches } from '../validate';

/**
 * Event store in process memory, for unit tests only. Appends are synchronous inside the promise, so they are
 * trivially atomic and ordered, and positions are dense (1, 2, 3, …). Data is copied through JSON on the way in
 * and cloned on the way out, so callers never share objects with it.
 */
export class InMemoryEventStore implements EventStore {
  private readonly all: RecordedEvent[] = [];
  private readonly streams = new Map<string, RecordedEvent[]>();
  private closed = false;

  constructor(private readonly now: () => Date = () => new Date()) {}

  async append(
    stream: string,
    events: readonly NewEvent[],
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    this.assertOpen();
    const encoded = encodeAppend(stream, events, expected);
    const existing = this.streams.get(stream) ?? [];
    const current = existing.length - 1;
    if (!revisionMatches(expected, current))
      throw new WrongExpectedVersion(stream, expected, current === -1 ? 'no_stream' : current);
    if (encoded.length === 0)
      return { nextExpectedRevision: current, position: existing.at(-1)?.position ?? 0n };
    const occurredAt = this.now();
    for (const e of encoded) {
      const recorded: RecordedEvent = {
        id: e.id,
        type: e.type,
        data: JSON.parse(e.data),
        schemaVersion: e.schemaVersion,
        metadata: JSON.parse(e.metadata),
        stream,
        revision: existing.length,
        position: BigInt(this.all.length + 1),
        occurredAt,
      };
      existing.push(recorded);
      this.all.push(recorded);
    }
    this.streams.set(stream, existing);
    return { nextExpectedRevision: existing.length - 1, position: BigInt(this.all.length) };
  }

  async readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    this.assertOpen();
    const { fromRevision, maxCount } = readStreamArgs(options);
    const end = maxCount === undefined ? undefined : fromRevision + maxCount;
    return (this.streams.get(stream) ?? []).slice(fromRevision, end).map(copy);
  }

  async readAll(after?: Position, limit?: number): Promise<RecordedEvent[]> {
    this.assertOpen();
    const args = readAllArgs(after, limit);
    // Position p is at index p - 1, so the event right after `after` is at index `after`.
    const start = args.after > BigInt(this.all.length) ? this.all.length : Number(args.after);
    return this.all.slice(start, start + args.limit).map(copy);
  }

  async headPosition(): Promise<Position | undefined> {
    this.assertOpen();
    return this.all.length ? BigInt(this.all.length) : undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private assertOpen() {
    if (this.closed) throw new EventStoreClosed();
  }
}

const copy = (e: RecordedEvent): RecordedEvent => ({
  ...e,
  data: structuredClone(e.data),
  metadata: structuredClone(e.metadata),
  occurredAt: new Date(e.occurredAt),
});
