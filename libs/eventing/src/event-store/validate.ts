import { uuidv7 } from '../ids/uuid-v7';
import { InvalidAppend, InvalidRead } from './errors';
import type { ExpectedRevision, ReadStreamOptions } from './event-store.port';
import type { NewEvent, Position } from './event';

/** Longest stream name any adapter accepts (EventStoreDB's limit is far above; PostgreSQL indexes it). */
export const MAX_STREAM_NAME = 512;
export const MAX_EVENT_TYPE = 200;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/**
 * In JSON.stringify output, `\u0000` and lone-surrogate escapes are the only escapes PostgreSQL's jsonb refuses
 * (and what it refuses, no adapter may accept, so every adapter refuses the same things). The look-behind
 * skips an escaped backslash followed by the letters `u0000`.
 */
const UNSTORABLE_JSON_ESCAPE = /(?<!\\)(?:\\\\)*\\u(?:0000|d[89a-f][0-9a-f]{2})/i;

/** An event as every adapter stores it: validated, id assigned, payloads JSON-encoded. */
export interface EncodedEvent {
  id: string;
  type: string;
  schemaVersion: number;
  /** JSON text of `data`. */
  data: string;
  /** JSON text of the envelope metadata (an object, `{}` when absent). */
  metadata: string;
}

const checkText = (value: unknown, what: string, max: number): void => {
  if (typeof value !== 'string' || value.length === 0 || value.length > max)
    throw new InvalidAppend(`${what} must be 1-${max} characters`);
  if (value.includes('\0')) throw new InvalidAppend(`${what} must not contain NUL`);
  if (LONE_SURROGATE.test(value))
    throw new InvalidAppend(`${what} must be well-formed Unicode (lone surrogate)`);
};

/** JSON encoding that refuses what JSON cannot carry instead of silently dropping or altering it. */
export const toJson = (value: unknown, what: string): string => {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (err) {
    throw new InvalidAppend(`${what} is not JSON-serialisable: ${(err as Error).message}`);
  }
  if (json === undefined) throw new InvalidAppend(`${what} is not JSON-serialisable`);
  if (UNSTORABLE_JSON_ESCAPE.test(json)) throw new InvalidAppend(`${what} contains NUL or a lone surrogate`);
  return json;
};

/**
 * Validates an append and encodes its events, so every adapter refuses the same things with the same error
 * (`InvalidAppend`) before touching its store: that is also what makes a batch with one bad event write nothing.
 */
export const encodeAppend = (
  stream: string,
  events: readonly NewEvent[],
  expected: ExpectedRevision,
  newId: () => string = uuidv7,
): EncodedEvent[] => {
  checkText(stream, 'stream name', MAX_STREAM_NAME);
  if (stream.startsWith('$')) throw new InvalidAppend('stream names starting with $ are reserved');
  if (
    !(expected === 'any' || expected === 'no_stream' || expected === 'stream_exists') &&
    !(Number.isSafeInteger(expected) && expected >= 0)
  )
    throw new InvalidAppend(`invalid expected revision ${String(expected)}`);
  if (!Array.isArray(events)) throw new InvalidAppend('events must be an array');
  const ids = new Set<string>();
  return events.map((e, i) => {
    if (typeof e !== 'object' || e === null) throw new InvalidAppend(`event #${i} is not an object`);
    checkText(e.type, `type of event #${i}`, MAX_EVENT_TYPE);
    if (e.type.startsWith('$')) throw new InvalidAppend('event types starting with $ are reserved');
    if (e.data === undefined) throw new InvalidAppend(`event ${e.type} has no data`);
    const schemaVersion = e.schemaVersion ?? 1;
    if (!Number.isSafeInteger(schemaVersion) || schemaVersion < 1 || schemaVersion > 2 ** 31 - 1)
      throw new InvalidAppend(`schemaVersion of ${e.type} must be a positive integer`);
    if (
      e.metadata !== undefined &&
      (typeof e.metadata !== 'object' || e.metadata === null || Array.isArray(e.metadata))
    )
      throw new InvalidAppend(`metadata of ${e.type} must be an object`);
    if (e.id !== undefined && (typeof e.id !== 'string' || !UUID.test(e.id)))
      throw new InvalidAppend(`id of ${e.type} must be a UUID`);
    const id = (e.id ?? newId()).toLowerCase();
    if (ids.has(id)) throw new InvalidAppend(`event id ${id} appears twice in one append`);
    ids.add(id);
    return {
      id,
      type: e.type,
      schemaVersion,
      data: toJson(e.data, `data of ${e.type}`),
      metadata: toJson(e.metadata ?? {}, `metadata of ${e.type}`),
    };
  });
};

/** Shared input checks for appends (see `encodeAppend`). */
export const validateAppend = (
  stream: string,
  events: readonly NewEvent[],
  expected: ExpectedRevision,
): void => {
  encodeAppend(stream, events, expected);
};

/** Whether a stream's current revision (`-1`: no stream) satisfies an expected revision. */
export const revisionMatches = (expected: ExpectedRevision, current: number): boolean =>
  expected === 'any' ||
  (expected === 'no_stream' && current === -1) ||
  (expected === 'stream_exists' && current >= 0) ||
  expected === current;

/** Normalised `readStream` options; `maxCount` undefined means all. */
export const readStreamArgs = (
  options: ReadStreamOptions = {},
): { fromRevision: number; maxCount?: number } => {
  const fromRevision = options.fromRevision ?? 0;
  if (!Number.isSafeInteger(fromRevision) || fromRevision < 0)
    throw new InvalidRead(`fromRevision must be a non-negative integer, got ${String(options.fromRevision)}`);
  const { maxCount } = options;
  if (maxCount !== undefined && (!Number.isSafeInteger(maxCount) || maxCount < 0))
    throw new InvalidRead(`maxCount must be a non-negative integer, got ${String(maxCount)}`);
  return maxCount === undefined ? { fromRevision } : { fromRevision, maxCount };
};

/** Default page size of `readAll`. */
export const DEFAULT_READ_ALL_LIMIT = 1000;

/** Normalised `readAll` arguments. */
export const readAllArgs = (after: Position = 0n, limit: number = DEFAULT_READ_ALL_LIMIT) => {
  if (typeof after !== 'bigint' || after < 0n)
    throw new InvalidRead(`after must be a non-negative bigint, got ${String(after)}`);
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw new InvalidRead(`limit must be a positive integer, got ${String(limit)}`);
  return { after, limit };
};
