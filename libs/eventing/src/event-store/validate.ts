import { InvalidAppend } from './errors';
import type { ExpectedRevision } from './event-store.port';
import type { NewEvent } from './event';

/** Longest stream name any adapter accepts (EventStoreDB's limit is far above; PostgreSQL indexes it). */
export const MAX_STREAM_NAME = 512;

/** Shared input checks, so every adapter refuses the same things with the same error. */
export const validateAppend = (stream: string, events: readonly NewEvent[], expected: ExpectedRevision) => {
  if (typeof stream !== 'string' || stream.length === 0 || stream.length > MAX_STREAM_NAME)
    throw new InvalidAppend(`stream name must be 1-${MAX_STREAM_NAME} characters`);
  if (stream.startsWith('$')) throw new InvalidAppend('stream names starting with $ are reserved');
  if (
    !(expected === 'any' || expected === 'no_stream' || expected === 'stream_exists') &&
    !(Number.isSafeInteger(expected) && expected >= 0)
  )
    throw new InvalidAppend(`invalid expected revision ${String(expected)}`);
  for (const e of events) {
    if (typeof e.type !== 'string' || e.type.length === 0 || e.type.length > 200)
      throw new InvalidAppend('event type must be 1-200 characters');
    if (e.data === undefined) throw new InvalidAppend(`event ${e.type} has no data`);
  }
};

/** JSON encoding that refuses what JSON cannot carry instead of silently dropping it. */
export const toJson = (value: unknown, what: string): string => {
  try {
    return JSON.stringify(value);
  } catch (err) {
    throw new InvalidAppend(`${what} is not JSON-serialisable: ${(err as Error).message}`);
  }
};
