import { CodedError } from '../errors/coded-error';

/** Base of every error the event store ports throw; `code` is stable and grep-able. */
export class EventStoreError extends CodedError {}

/**
 * An append's expected revision did not match the stream. `actual` is the stream's current revision,
 * or `'no_stream'` when the stream does not exist. Nothing of the append was written.
 */
export class WrongExpectedVersion extends EventStoreError {
  constructor(
    readonly stream: string,
    readonly expected: import('./event-store.port').ExpectedRevision,
    readonly actual: number | 'no_stream',
  ) {
    super(
      'EVENT_STORE.WRONG_EXPECTED_VERSION',
      `stream ${stream}: expected revision ${String(expected)}, actual ${String(actual)}`,
    );
  }
}

/** The store could not be reached or answered with an unexpected failure. Safe to retry. */
export class EventStoreUnavailable extends EventStoreError {
  constructor(message: string, cause?: unknown) {
    super('EVENT_STORE.UNAVAILABLE', message, { cause });
  }
}

/** The caller passed something the store cannot accept (empty stream name, non-JSON data, …). */
export class InvalidAppend extends EventStoreError {
  constructor(message: string) {
    super('EVENT_STORE.INVALID_APPEND', message);
  }
}

/** A read was asked with arguments no store can answer (negative revision, zero limit, …). */
export class InvalidRead extends EventStoreError {
  constructor(message: string) {
    super('EVENT_STORE.INVALID_READ', message);
  }
}

/** The store (or checkpoint store) was closed; it cannot be used again. Not retryable. */
export class EventStoreClosed extends EventStoreError {
  constructor() {
    super('EVENT_STORE.CLOSED', 'event store is closed');
  }
}
