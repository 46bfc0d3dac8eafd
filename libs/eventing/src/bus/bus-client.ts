import type { ClientProxy } from '@nestjs/microservices';
import type { Observable } from 'rxjs';

/**
 * What both bus clients (`KafkaBusClient`, `InProcessBusClient`) offer on top of `ClientProxy`; inject
 * this type so code does not depend on the transport.
 */
export interface BusClient extends ClientProxy {
  /** Must be called for every request pattern before `connect()`, or `send` fails with InvalidKafkaClientTopicException. */
  subscribeToResponseOf(pattern: string): void;
  /** Publishes the messages to one topic in order, in one produce request on Kafka. */
  emitBatch<TResult = unknown, TInput = unknown>(
    pattern: string,
    data: { messages: TInput[] },
  ): Observable<TResult>;
}
