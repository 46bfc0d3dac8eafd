import { CodedError } from '../errors/coded-error';
import type { EventMetadata } from '../event-store/event';

/** A command as deciders see it: plain data; time, ids and the actor arrive in `metadata`. */
export interface Command<Type extends string = string, Data = unknown> {
  type: Type;
  data: Data;
  metadata?: CommandMetadata;
}

export interface CommandMetadata extends EventMetadata {
  /** When the command is decided; deciders never read a clock. */
  now?: string;
}

/** An event as deciders produce and fold it. Recorded events are a superset of this shape. */
export interface DomainEvent<Type extends string = string, Data = unknown> {
  type: Type;
  data: Data;
  schemaVersion?: number;
  metadata?: EventMetadata;
}

/**
 * An aggregate's behaviour as three pure functions (no I/O, no framework): `decide` turns a command and
 * the current state into new events (or throws a `DomainError`), `evolve` folds one event into state.
 */
export interface Decider<C extends Command, E extends DomainEvent, S> {
  initialState(): S;
  evolve(state: S, event: E): S;
  decide(command: C, state: S): E[];
}

/** A broken domain rule. `code` is stable and grep-able (`ACCOUNT.USERNAME_TAKEN`); the gateway maps codes to HTTP. */
export class DomainError extends CodedError {
  constructor(
    code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(code, message);
  }
}

export const fold = <E extends DomainEvent, S>(
  decider: Pick<Decider<never, E, S>, 'initialState' | 'evolve'>,
  events: readonly E[],
): S => events.reduce(decider.evolve, decider.initialState());
