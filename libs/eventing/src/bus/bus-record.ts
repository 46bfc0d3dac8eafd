/**
 * What travels on the bus, identical on both transports: a Kafka-shaped record whose value is JSON text.
 */

/** Header values are strings on both transports (Kafka's byte headers are decoded as UTF-8). */
export type BusHeaders = Record<string, string>;

// Symbol.for, not Symbol(): a record built by one copy of this module must be recognised by another
// (Jest module registries, duplicated installs).
const BUS_RECORD = Symbol.for('idp.bus.record');

/** An event or request with an explicit partition key and headers. Build it with `busRecord`. */
export interface BusRecord<T = unknown> {
  readonly [BUS_RECORD]: true;
  /** Partition key: records with the same key land in the same partition and are handled in order. */
  readonly key: string | null;
  readonly value: T;
  readonly headers: BusHeaders;
  /** True when `value` is already JSON text (see `jsonBusRecord`), written as is. */
  readonly valueIsJson?: boolean;
}

/**
 * Wraps `value` so that `client.emit(topic, busRecord(key, value, headers))` publishes it keyed (per-key
 * order) with headers. Anything else given to `emit`/`send` is the value itself, unkeyed: unlike Nest's
 * default Kafka serializer, a plain payload that happens to have `key`/`value` properties is never taken
 * for an envelope. Bigint keys are written in decimal.
 */
export const busRecord = <T>(
  key: string | bigint | null,
  value: T,
  headers: BusHeaders = {},
): BusRecord<T> => ({
  [BUS_RECORD]: true,
  key: key === null ? null : String(key),
  value,
  headers,
});

/**
 * A record whose value is already JSON text (the relay's `OutgoingMessage`), written without re-encoding:
 * handlers get the parsed value, and `ctx.getMessage().value` holds these exact bytes. The text must be
 * valid JSON, or handlers receive it as a plain string.
 */
export const jsonBusRecord = (
  key: string | null,
  json: string,
  headers: BusHeaders = {},
): BusRecord<string> => ({
  [BUS_RECORD]: true,
  key,
  value: json,
  headers,
  valueIsJson: true,
});

/** True for a record built by `busRecord`/`jsonBusRecord` (by any copy of this module). */
export const isBusRecord = (data: unknown): data is BusRecord =>
  typeof data === 'object' && data !== null && (data as Record<symbol, unknown>)[BUS_RECORD] === true;

/** A record as a producer hands it to a broker (kafkajs `Message` with string fields). */
export interface OutgoingRecord {
  key: string | null;
  /** JSON text; null only when the value was `undefined` (a Kafka tombstone-like empty value). */
  value: string | null;
  headers: BusHeaders;
}

/**
 * JSON text of a payload. bigint has no JSON form: it is written as its decimal string (the convention on
 * both transports, so a consumer reads positions/revisions as strings and parses them back with `BigInt`).
 * Other non-JSON values follow JSON.stringify (Date -> ISO string, undefined/functions dropped, Map -> {}).
 * Throws TypeError for circular structures; the caller's `emit`/`send` fails with it.
 */
export const toJson = (value: unknown): string | null => {
  if (value === undefined) return null;
  // Without a replacer first: JSON.stringify is several times faster without one, and the replacer only changes
  // bigints, on which the plain call throws (a TypeError, as for a circular structure: the retry throws that again).
  try {
    return JSON.stringify(value) ?? null;
  } catch {
    return JSON.stringify(value, bigintAsDecimal) ?? null;
  }
};

const bigintAsDecimal = (_key: string, v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v);

/**
 * Value of a received record. A body that is not JSON (written by a foreign producer) is handed over as
 * the raw string rather than thrown on: a throw here would be retried forever and block the partition.
 */
export const fromJson = (raw: Buffer | string | null | undefined): unknown => {
  if (raw === null || raw === undefined) return null;
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

/** Kafka's rule for topic names; the in-process broker enforces it too so a pattern that works embedded works on Kafka. */
export const isValidTopicName = (name: string): boolean =>
  /^[a-zA-Z0-9._-]{1,249}$/.test(name) && name !== '.' && name !== '..';

/** Reply topic of a request pattern, as Nest's Kafka client names it. */
export const replyTopicOf = (pattern: string): string => `${pattern}.reply`;
