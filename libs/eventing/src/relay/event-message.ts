import type { EventMetadata, RecordedEvent } from '../event-store/event';
import type { OutgoingMessage } from './event-publisher.port';

/** Header names of a relayed event; consumers may route and dedupe without parsing the value. */
export const EVENT_HEADERS = {
  id: 'event-id',
  type: 'event-type',
  schemaVersion: 'schema-version',
  correlationId: 'correlation-id',
  causationId: 'causation-id',
  traceparent: 'traceparent',
  contentType: 'content-type',
} as const;

/** The envelope on the wire: a RecordedEvent with `position` as a decimal string and `occurredAt` in ISO 8601. */
export interface EventMessageValue {
  id: string;
  type: string;
  schemaVersion: number;
  stream: string;
  revision: number;
  position: string;
  occurredAt: string;
  data: unknown;
  metadata: EventMetadata;
}

/** Key = stream (per-aggregate order), value = JSON envelope (bigint position as string), headers for routing. */
export const toEventMessage = (event: RecordedEvent): OutgoingMessage => {
  const value: EventMessageValue = {
    id: event.id,
    type: event.type,
    schemaVersion: event.schemaVersion,
    stream: event.stream,
    revision: event.revision,
    position: event.position.toString(),
    occurredAt: event.occurredAt.toISOString(),
    data: event.data,
    metadata: event.metadata,
  };
  const headers: Record<string, string> = {
    [EVENT_HEADERS.id]: event.id,
    [EVENT_HEADERS.type]: event.type,
    [EVENT_HEADERS.schemaVersion]: String(event.schemaVersion),
    [EVENT_HEADERS.contentType]: 'application/json',
  };
  const { correlationId, causationId, traceparent } = event.metadata;
  if (typeof correlationId === 'string') headers[EVENT_HEADERS.correlationId] = correlationId;
  if (typeof causationId === 'string') headers[EVENT_HEADERS.causationId] = causationId;
  if (typeof traceparent === 'string') headers[EVENT_HEADERS.traceparent] = traceparent;
  return { key: event.stream, value: JSON.stringify(value), headers };
};

/** A value that is not a relayed event envelope. Never retry: park or log it. */
export class InvalidEventMessage extends Error {
  readonly code = 'RELAY.INVALID_MESSAGE';
  constructor(reason: string) {
    super(`not an event message: ${reason}`);
    this.name = 'InvalidEventMessage';
  }
}

/** Decodes a relayed message value back into a RecordedEvent (consumer side). Throws `InvalidEventMessage`. */
export const fromEventMessage = (value: string | Buffer): RecordedEvent => {
  let v: Partial<EventMessageValue>;
  try {
    v = JSON.parse(value.toString());
  } catch (err) {
    throw new InvalidEventMessage((err as Error).message);
  }
  if (!v || typeof v !== 'object') throw new InvalidEventMessage('not an object');
  for (const field of ['id', 'type', 'stream', 'position', 'occurredAt'] as const)
    if (typeof v[field] !== 'string') throw new InvalidEventMessage(`${field} missing`);
  if (!Number.isSafeInteger(v.revision) || !Number.isSafeInteger(v.schemaVersion))
    throw new InvalidEventMessage('revision or schemaVersion missing');
  if (!/^\d+$/.test(v.position!)) throw new InvalidEventMessage('position is not a decimal integer');
  const occurredAt = new Date(v.occurredAt!);
  if (Number.isNaN(occurredAt.getTime())) throw new InvalidEventMessage('occurredAt is not a date');
  return {
    id: v.id!,
    type: v.type!,
    schemaVersion: v.schemaVersion!,
    stream: v.stream!,
    revision: v.revision!,
    position: BigInt(v.position!),
    occurredAt,
    data: v.data,
    metadata: v.metadata && typeof v.metadata === 'object' ? v.metadata : {},
  };
};
