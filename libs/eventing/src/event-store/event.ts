/**
 * Events as they travel through the system. Plain typed objects (`{ type, data, metadata }`), never classes:
 * an event's type name is data, chosen once and never renamed (see docs/adr/002-event-envelope.md).
 */

/** Who caused a change. `impersonatorId` is set while a site admin acts as someone else. */
export interface Actor {
  kind: 'user' | 'team' | 'organization' | 'system' | 'anonymous';
  id: string;
  impersonatorId?: string;
  impersonationReason?: string;
}

/** Envelope metadata that travels with an event from the command to every consumer. */
export interface EventMetadata {
  correlationId?: string;
  causationId?: string;
  actor?: Actor;
  /** W3C trace context of the request that caused the event. */
  traceparent?: string;
  [key: string]: unknown;
}

/** An event a decider produced, before the store gives it a place. */
export interface NewEvent<Type extends string = string, Data = unknown> {
  type: Type;
  data: Data;
  /** Payload schema version; old versions are upcast on read, never rewritten. Defaults to 1. */
  schemaVersion?: number;
  /** Event id (UUIDv7). Assigned by the store when absent. */
  id?: string;
  metadata?: EventMetadata;
}

/** Position of an event in the store's single global order. Strictly increasing, resumable. */
export type Position = bigint;

/** An event as stored: the envelope of ARCHITECTURE.md. */
export interface RecordedEvent<Type extends string = string, Data = unknown> {
  id: string;
  type: Type;
  data: Data;
  schemaVersion: number;
  metadata: EventMetadata;
  stream: string;
  /** 0-based revision of the event in its stream. */
  revision: number;
  /** Global position; `readAll(position)` resumes right after this event. */
  position: Position;
  occurredAt: Date;
}

/** The category of a stream is the part before the first '-': `account-123` -> `account`. */
export const streamCategory = (stream: string): string => {
  const dash = stream.indexOf('-');
  return dash === -1 ? stream : stream.slice(0, dash);
};
