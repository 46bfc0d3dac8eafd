import type { Position, RecordedEvent, NewEvent } from '../event';
import { WrongExpectedVersion } from '../errors';
import type { AppendResult, EventStore, ExpectedRevision, ReadStreamOptions } from '../event-store.port';
import { readAllArgs, validateAppend } from '../validate';

/**
 * One service's view of an event store shared with others (EventStoreDB/KurrentDB has no schemas: one server is one
 * `$all`). Stream names are stored as `<namespace>:<stream>`; `readAll` returns only this namespace's events, with
 * their underlying (sparse) positions, so a service's relay and projections never see another service's events.
 * PostgreSQL and PGlite isolate services by schema instead and need no wrapper.
 */
export class NamespacedEventStore implements EventStore {
  private readonly prefix: string;

  constructor(
    private readonly inner: EventStore,
    namespace: string,
    /** Underlying events scanned per round trip while filling a `readAll` page. */
    private readonly scanPage = 500,
  ) {
    if (!/^[a-z][a-z0-9_]*$/.test(namespace)) throw new Error(`invalid namespace "${namespace}"`);
    this.prefix = `${namespace}:`;
  }

  async append(
    stream: string,
    events: readonly NewEvent[],
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    validateAppend(stream, events, expected); // on the caller's name: the prefix would hide an empty or $ name
    try {
      return await this.inner.append(this.prefix + stream, events, expected);
    } catch (err) {
      if (err instanceof WrongExpectedVersion)
        throw new WrongExpectedVersion(stream, err.expected, err.actual);
      throw err;
    }
  }

  async readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return (await this.inner.readStream(this.prefix + stream, options)).map((e) => this.strip(e));
  }

  /** Fills the page from as many underlying pages as needed: a short page still means the end, as the port says. */
  async readAll(after?: Position, limit?: number): Promise<RecordedEvent[]> {
    const args = readAllArgs(after, limit);
    const out: RecordedEvent[] = [];
    let cursor = args.after;
    for (;;) {
      const page = await this.inner.readAll(cursor, this.scanPage);
      for (const e of page) {
        if (e.stream.startsWith(this.prefix)) out.push(this.strip(e));
        if (out.length === args.limit) return out;
      }
      if (page.length < this.scanPage) return out;
      cursor = page[page.length - 1]!.position;
    }
  }

  /** The newest position of this namespace is not cheaper to find than a scan; the underlying head bounds it. */
  headPosition(): Promise<Position | undefined> {
    return this.inner.headPosition();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private strip(e: RecordedEvent): RecordedEvent {
    return { ...e, stream: e.stream.slice(this.prefix.length) };
  }
}
