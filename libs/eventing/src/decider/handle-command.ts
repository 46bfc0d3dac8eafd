import { WrongExpectedVersion } from '../event-store/errors';
import type { RecordedEvent } from '../event-store/event';
import type { EventStore, ExpectedRevision } from '../event-store/event-store.port';
import { type Command, type Decider, type DomainEvent, fold } from './decider';
import type { StateCache } from './state-cache';
import { noUpcasters, type Upcasters } from './upcasters';

export interface HandleCommandOptions {
  /** Attempts after a concurrency conflict before giving up with the conflict. Default 5. */
  maxRetries?: number;
  upcasters?: Upcasters;
  /** Called between retries; defaults to a short jittered backoff. */
  backoff?: (attempt: number) => Promise<void>;
  /**
   * Folded states to start from (one cache per decider and upcasters): only the events after the cached revision
   * are read. The decider's `evolve` must not mutate the state it is given.
   */
  cache?: StateCache;
}

export interface CommandResult<E extends DomainEvent, S> {
  /** Events appended by this command (empty when nothing changed). */
  events: E[];
  /** State after the command. */
  state: S;
  /** The stream's revision after the command (-1 when the stream still does not exist). */
  revision: number;
}

const jitteredBackoff = (attempt: number) =>
  new Promise<void>((r) => setTimeout(r, Math.random() * Math.min(50, 2 ** attempt)));

/**
 * The generic command handler: load the stream, fold it, decide, append with the expected revision; on a
 * concurrency conflict, reload and decide again (a bounded number of times), so the decision is always
 * made on the state it is appended after. Domain errors from `decide` propagate unchanged.
 * The command's metadata (actor, correlation) is copied onto every event it produces.
 */
export const handleCommand = async <C extends Command, E extends DomainEvent, S>(
  store: EventStore,
  stream: string,
  decider: Decider<C, E, S>,
  command: C,
  options: HandleCommandOptions = {},
): Promise<CommandResult<E, S>> => {
  const { maxRetries = 5, upcasters = noUpcasters, backoff = jitteredBackoff, cache } = options;
  for (let attempt = 0; ; attempt++) {
    const { state, revision } = await load(store, stream, decider, upcasters, cache);
    const events = decider.decide(command, state);
    if (events.length === 0) return { events, state, revision };
    const expected: ExpectedRevision = revision < 0 ? 'no_stream' : revision;
    const { metadata: commandMetadata = {} } = command;
    const { now: _now, ...eventMetadata } = commandMetadata;
    try {
      const result = await store.append(
        stream,
        events.map((e) => ({ ...e, metadata: { ...eventMetadata, ...e.metadata } })),
        expected,
      );
      const after = events.reduce(decider.evolve, state);
      cache?.set(decider, stream, after, result.nextExpectedRevision);
      return { events, state: after, revision: result.nextExpectedRevision };
    } catch (err) {
      if (!(err instanceof WrongExpectedVersion) || attempt >= maxRetries) throw err;
      await backoff(attempt);
    }
  }
};

/**
 * The stream's state: folded from its first event, or from the cached state and the events after it. Events are
 * immutable, so a cached state is always the fold of a prefix of the stream; folding the tail on top makes it
 * current (as of this read).
 */
const load = async <C extends Command, E extends DomainEvent, S>(
  store: EventStore,
  stream: string,
  decider: Decider<C, E, S>,
  upcasters: Upcasters,
  cache: StateCache | undefined,
): Promise<{ state: S; revision: number }> => {
  const read = async (fromRevision: number) =>
    (await (fromRevision === 0 ? store.readStream(stream) : store.readStream(stream, { fromRevision }))).map(
      (e) => upcasters.apply(e) as RecordedEvent & E,
    );
  const cached = cache?.get<S>(decider, stream);
  if (cached) {
    const tail = await read(cached.revision + 1);
    // A tail that does not continue the cached revision means the stream is not what was cached (never expected
    // of an event store, but cheap to survive): fold it from the start instead.
    if (tail.length === 0 || tail[0]!.revision === cached.revision + 1) {
      const state = tail.reduce(decider.evolve, cached.state);
      const revision = cached.revision + tail.length;
      if (tail.length > 0) cache!.set(decider, stream, state, revision);
      return { state, revision };
    }
  }
  const recorded = await read(0);
  const state = fold(decider, recorded);
  const revision = recorded.length - 1;
  if (revision >= 0) cache?.set(decider, stream, state, revision);
  return { state, revision };
};
