/** A stream's folded state as of `revision` (the revision of the last event folded into it). */
export interface CachedState<S = unknown> {
  state: S;
  revision: number;
}

interface Entry {
  /** The decider the state was folded by: another decider on the same stream never reuses it. */
  owner: object;
  state: unknown;
  revision: number;
}

/**
 * A bounded, least-recently-used map stream → folded state, for `handleCommand`: a hot aggregate is folded from
 * the cached state plus the events after it, instead of from its first event.
 *
 * Always safe because events are immutable: a cached state is the fold of a prefix of the stream, and whatever
 * was appended since (by this process or any other) is read and folded on top. A state that is stale only costs
 * a `WrongExpectedVersion` on append, after which the retry reads the tail again. The one requirement is on the
 * decider: `evolve` must not mutate the state it is given (a cached state is evolved again by later commands).
 */
export class StateCache {
  private readonly entries = new Map<string, Entry>();

  constructor(readonly maxEntries = 1_000) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1)
      throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`);
  }

  /** The state `owner` folded for `stream`, if cached; marks it most recently used. */
  get<S>(owner: object, stream: string): CachedState<S> | undefined {
    const entry = this.entries.get(stream);
    if (!entry || entry.owner !== owner) return undefined;
    // A Map iterates in insertion order: re-inserting moves the entry to the young end.
    this.entries.delete(stream);
    this.entries.set(stream, entry);
    return { state: entry.state as S, revision: entry.revision };
  }

  /** Remembers `state` as of `revision`; never goes back to an older revision; evicts the least recently used. */
  set<S>(owner: object, stream: string, state: S, revision: number): void {
    const current = this.entries.get(stream);
    // Concurrent commands on one stream may finish out of order: keep the newer fold.
    if (current && current.owner === owner && current.revision > revision) return;
    this.entries.delete(stream);
    this.entries.set(stream, { owner, state, revision });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  delete(stream: string): void {
    this.entries.delete(stream);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
