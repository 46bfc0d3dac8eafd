/** A message as it goes to the bus: Kafka's key/value/headers, all strings. */
export interface OutgoingMessage {
  /** Partitioning key: the stream name, so one aggregate's events stay in order. */
  key: string;
  /** JSON of the event envelope (see `toEventMessage`). */
  value: string;
  headers: Record<string, string>;
}

/**
 * Publishes messages to a topic of the bus (Kafka, or the embedded in-process transport).
 *
 * Resolves only once every message is durably accepted (Kafka: acknowledged by all in-sync replicas).
 * Messages with the same key keep their order within a call and across calls. Throws on any failure; some
 * messages of the call may then have been published already, so the caller retries the whole call and
 * consumers see duplicates (at-least-once; they dedupe by event id).
 */
export interface EventPublisher {
  publish(topic: string, messages: OutgoingMessage[]): Promise<void>;
}

/** DI token for the event publisher port. */
export const EVENT_PUBLISHER = Symbol('EVENT_PUBLISHER');
