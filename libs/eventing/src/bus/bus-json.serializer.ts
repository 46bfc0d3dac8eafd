import { KafkaHeaders } from '@nestjs/microservices';
import type { Deserializer, IncomingEvent, IncomingResponse, Serializer } from '@nestjs/microservices';
import { type OutgoingRecord, fromJson, isBusRecord, toJson } from './bus-record';

/**
 * Both transports run every message through these three classes (Kafka via the `serializer`/`deserializer`
 * options with `parser.keepBinary`, in-process directly), so a handler receives exactly the same data
 * whichever transport delivered it: a fresh JSON-parsed copy, bigint as decimal string.
 *
 * They replace Nest's Kafka defaults on purpose: those stringify objects but pass strings through raw and
 * parse back only text starting with `{`/`[` (so a string `"[1]"` arrives as an array and a number arrives
 * as a string), treat any payload with a `key` or `value` property as a Kafka envelope, and throw on bigint.
 */
export class BusJsonSerializer implements Serializer<unknown, OutgoingRecord> {
  serialize(data: unknown): OutgoingRecord {
    if (isBusRecord(data)) {
      const value = data.valueIsJson ? (data.value as string) : toJson(data.value);
      return { key: data.key, value, headers: { ...data.headers } };
    }
    return { key: null, value: toJson(data), headers: {} };
  }
}

/**
 * A key or header value decoded as Nest's `KafkaParser` decodes it on Kafka, for the in-process transport (whose
 * keys and headers are already strings): null stays null, text starting with `{` or `[` is JSON-parsed when it
 * parses (how the error header reaches Nest's client as an object), anything else is the text itself.
 */
export const decodeLikeKafkaParser = (value: string | null | undefined): unknown => {
  if (value === null || value === undefined) return null;
  const first = value.charCodeAt(0);
  if (first !== 0x7b /* { */ && first !== 0x5b /* [ */) return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
};

/** `KafkaParser.parse` of headers for string values: a fresh object, each value through `decodeLikeKafkaParser`. */
export const decodeHeadersLikeKafkaParser = (
  headers: Record<string, string | undefined>,
): Record<string, unknown> => {
  const decoded: Record<string, unknown> = {};
  for (const name of Object.keys(headers)) decoded[name] = decodeLikeKafkaParser(headers[name]);
  return decoded;
};

/** A received record after Nest's `KafkaParser` with `keepBinary`: value untouched, key/headers decoded. */
export interface ParsedRecord {
  key?: string | null;
  value: Buffer | string | null;
  headers: Record<string, unknown>;
}

/** Server side: a request or event record -> `{ pattern: topic, data }`. */
export class BusJsonRequestDeserializer implements Deserializer<ParsedRecord, IncomingEvent> {
  deserialize(record: ParsedRecord, options?: { channel?: string }): IncomingEvent {
    return { pattern: options?.channel, data: fromJson(record.value) };
  }
}

/**
 * Client side: a reply record -> Nest's response packet. The error header was already decoded by
 * `KafkaParser` (JSON text starting with `{` becomes an object), which is how Nest's Kafka client surfaces
 * errors: `{ status: 'error', message }` for an RpcException with a string, the exception's object otherwise.
 */
export class BusJsonResponseDeserializer implements Deserializer<ParsedRecord, IncomingResponse> {
  deserialize(record: ParsedRecord): IncomingResponse {
    const id = String(record.headers[KafkaHeaders.CORRELATION_ID]);
    const err = record.headers[KafkaHeaders.NEST_ERR];
    if (err !== undefined) return { id, err, isDisposed: true };
    return {
      id,
      response: fromJson(record.value),
      isDisposed: record.headers[KafkaHeaders.NEST_IS_DISPOSED] !== undefined,
    };
  }
}
