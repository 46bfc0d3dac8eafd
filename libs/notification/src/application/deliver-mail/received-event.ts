import type { Logger } from '@nestjs/common';
import { fromEventMessage, type RecordedEvent } from '@idp/eventing';
import type { NotificationMetrics } from '../notification.metrics';

/**
 * The event envelope in a bus message, or `undefined` for a message that is not one: it never will be, and
 * thrown it would be redelivered forever and block its partition, so it is counted, logged and dropped.
 */
export const receivedEvent = (
  value: unknown,
  topic: string,
  metrics: NotificationMetrics,
  logger: Logger,
): RecordedEvent | undefined => {
  try {
    // The transports hand over the parsed JSON value; the envelope decoder reads text.
    return fromEventMessage(typeof value === 'string' ? value : JSON.stringify(value ?? null));
  } catch (err) {
    metrics.invalidMessage();
    logger.error(`dropped a message on ${topic}: ${(err as Error).message}`);
    return undefined;
  }
};
