import { WrongExpectedVersion } from '../event-store/errors';
import type { RecordedEvent } from '../event-store/event';
import type { EventStore, ExpectedRevision } from '../event-store/event-store.port';
import { type Command, type Decider, type DomainEvent, fold } from './decider';
import { noUpcasters, type Upcasters } from './upcasters';

export interface HandleCommandOptions {
  /** Attempts after a concurrency conflict before giving up with the conflict. Default 5. */
  maxRetries?: number;
  upcasters?: Upcasters;
  /** Called between retries; defaults to a short jittered backoff. */
  backoff?: (attempt: number) => Promise<void>;
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
  const { maxRetries = 5, upcasters = noUpcasters, backoff = jitteredBackoff } = options;
  for (let attempt = 0; ; attempt++) {
    const recorded = (await store.readStream(stream)).map((e) => upcasters.apply(e) as RecordedEvent & E);
    const state = fold(decider, recorded);
    const revision = recorded.length - 1;
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
      return { events, state: events.reduce(decider.evolve, state), revision: result.nextExpectedRevision };
    } catch (err) {
      if (!(err instanceof WrongExpectedVersion) || attempt >= maxRetries) throw err;
      await backoff(attempt);
    }
  }
};
