import {
  type CustomTransportStrategy,
  KafkaContext,
  KafkaHeaders,
  KafkaRetriableException,
  type MessageHandler,
  type ReadPacket,
  Server,
  type WritePacket,
} from '@nestjs/microservices';
import { NO_EVENT_HANDLER, NO_MESSAGE_HANDLER } from '@nestjs/microservices/constants';
import type { Consumer, KafkaMessage, Producer } from 'kafkajs';
import { type Observable, ReplaySubject, isObservable, lastValueFrom, throwError } from 'rxjs';
import {
  BusJsonRequestDeserializer,
  BusJsonSerializer,
  decodeHeadersLikeKafkaParser,
  decodeLikeKafkaParser,
} from '../bus-json.serializer';
import type { Delivery, GroupMembership, InProcessBroker } from './in-process.broker';

/** Transport id of the in-process bus. Handlers must not pin a transport in their decorators, or they bind to one only. */
export const IN_PROCESS_TRANSPORT = Symbol('IN_PROCESS_BUS');

export interface InProcessServerOptions {
  broker: InProcessBroker;
  /** Consumer group of this service: every group gets every event, members of one group share partitions. */
  groupId: string;
}

/**
 * Nest transport strategy consuming from an `InProcessBroker` with the semantics of Nest's `ServerKafka`:
 * every `@MessagePattern`/`@EventPattern` pattern is a topic consumed in `groupId`; handlers receive the
 * JSON-decoded value and a `KafkaContext` whose message has the same shape as on Kafka (key, headers,
 * offset, timestamp; `getConsumer()`/`getProducer()` are undefined and the heartbeat is a no-op).
 *
 * - Event handlers: the record is committed once the handler's promise/observable completes; if it throws
 *   (or its observable errors) the record is redelivered with backoff.
 * - Request handlers: the first value or error is replied to the caller, then the record is committed; a
 *   `KafkaRetriableException` is not replied but redelivered, as on Kafka.
 * `listen` resolves once the group has assigned this member its partitions; `close` leaves the group
 * after in-flight handlers settle, and uncommitted records go to the remaining members.
 */
export class InProcessBusServer extends Server implements CustomTransportStrategy {
  override transportId: symbol = IN_PROCESS_TRANSPORT;
  private membership: GroupMembership | null = null;

  constructor(private readonly options: InProcessServerOptions) {
    super();
    this.serializer = new BusJsonSerializer();
    this.deserializer = new BusJsonRequestDeserializer();
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      const topics = [...this.messageHandlers.keys()];
      if (topics.length > 0) {
        const requestTopics = topics.filter((t) => !this.messageHandlers.get(t)?.isEventHandler);
        this.membership = await this.options.broker.join(
          this.options.groupId,
          topics,
          (d) => this.handleDelivery(d),
          { latestOnly: requestTopics },
        );
      }
      this._status$.next('connected');
      callback();
    } catch (error) {
      callback(error);
    }
  }

  async close(): Promise<void> {
    const membership = this.membership;
    this.membership = null;
    await membership?.leave();
    this._status$.next('disconnected');
  }

  on(): never {
    throw new Error('Method is not supported for the in-process bus server');
  }

  unwrap<T>(): T {
    return this.options.broker as T;
  }

  /**
   * The handler registered under this very pattern first: a plain topic name (`identity.get-account`) is its own
   * route, and Nest's lookup would `JSON.parse` it (throwing and catching a SyntaxError) on every message. Anything
   * not registered as is (a JSON pattern) goes through Nest's lookup as before.
   */
  override getHandlerByPattern(pattern: string): MessageHandler | null {
    return this.messageHandlers.get(pattern) ?? super.getHandlerByPattern(pattern);
  }

  // Mirrors ServerKafka.handleEvent, which (unlike Server.handleEvent) awaits an observable so its error
  // reaches the broker. `defaultValue` spares handlers returning EMPTY from a retried EmptyError.
  override async handleEvent(pattern: string, packet: ReadPacket, context: KafkaContext): Promise<unknown> {
    const handler = this.getHandlerByPattern(pattern);
    if (!handler) return this.logger.error(NO_EVENT_HANDLER`${pattern}`);
    return this.onProcessingStartHook(this.transportId, context, async () => {
      const resultOrStream = await handler(packet.data, context);
      if (isObservable(resultOrStream)) {
        await lastValueFrom(resultOrStream, { defaultValue: undefined });
        this.onProcessingEndHook?.(this.transportId, context);
      }
    });
  }

  // Mirrors ServerKafka.handleMessage so that handlers see the same packet, context and error handling.
  private async handleDelivery({ topic, partition, record }: Delivery): Promise<void> {
    // Key and headers decoded as Nest's KafkaParser decodes them on Kafka (a key starting with a NUL byte stays
    // bytes there, so here too). The value is kept as the stored JSON text and parsed from it;
    // `ctx.getMessage().value` is still the Buffer of those bytes, made only if a handler asks for it.
    const text = record.value;
    let bytes: Buffer | null | undefined;
    const key = record.key;
    const raw = {
      key: key !== null && key.charCodeAt(0) === 0 ? Buffer.from(key) : decodeLikeKafkaParser(key),
      get value(): Buffer | null {
        return (bytes ??= text === null ? null : Buffer.from(text));
      },
      headers: decodeHeadersLikeKafkaParser(record.headers) as Record<string, string | undefined>,
      offset: String(record.offset),
      timestamp: String(record.timestamp),
      attributes: 0,
      size: 0,
      topic,
      partition,
    };
    // The deserializer is ours and synchronous: no await (one promise less per message).
    const packet = (this.deserializer as BusJsonRequestDeserializer).deserialize(
      { key: raw.key as string | null, value: text, headers: raw.headers },
      { channel: topic },
    );
    const context = new KafkaContext([
      raw as unknown as KafkaMessage,
      partition,
      topic,
      undefined as unknown as Consumer,
      async () => undefined,
      undefined as unknown as Producer,
    ]);
    const correlationId = raw.headers[KafkaHeaders.CORRELATION_ID];
    const replyTopic = raw.headers[KafkaHeaders.REPLY_TOPIC];
    const handler = this.getHandlerByPattern(packet.pattern);
    if (handler?.isEventHandler || !correlationId || !replyTopic) {
      await this.handleEvent(packet.pattern, packet, context);
      return;
    }
    const publish = (reply: WritePacket) => this.reply(replyTopic, correlationId, reply, context);
    if (!handler) {
      publish({ err: NO_MESSAGE_HANDLER });
      return;
    }
    await this.onProcessingStartHook(this.transportId, context, async () => {
      let result: unknown;
      try {
        result = await (handler as MessageHandler)(packet.data, context);
      } catch (error) {
        result = throwError(() => error);
      }
      // The common case: Nest's RPC proxy resolved to the handler's value (errors come back as an Observable that
      // errors, from the exception filters). Nest's `send` would answer it as one reply, value and end together
      // (`isDisposed`): answered so here, without the ReplaySubject, the rxjs pipeline and the extra tick.
      if (!isObservable(result)) {
        await publish({ response: result, isDisposed: true });
        return;
      }
      const replay$ = new ReplaySubject<unknown>();
      await firstOutcome(result, replay$);
      this.send(replay$, publish);
    });
  }

  private async reply(
    replyTopic: string,
    correlationId: string,
    reply: WritePacket,
    context: KafkaContext,
  ): Promise<void> {
    try {
      const record = this.serializer.serialize(reply.response);
      record.headers[KafkaHeaders.CORRELATION_ID] = correlationId;
      if (reply.err)
        record.headers[KafkaHeaders.NEST_ERR] =
          typeof reply.err === 'object' ? JSON.stringify(reply.err) : String(reply.err);
      if (reply.isDisposed) record.headers[KafkaHeaders.NEST_IS_DISPOSED] = '1';
      this.options.broker.publishReply(replyTopic, record);
    } finally {
      this.onProcessingEndHook?.(this.transportId, context);
    }
  }
}

/**
 * Resolves on the handler's first value or first (non-retriable) error, which is when ServerKafka lets
 * the offset be committed; a KafkaRetriableException rejects, so the record is redelivered unanswered.
 */
const firstOutcome = (response$: Observable<unknown>, replay$: ReplaySubject<unknown>): Promise<void> =>
  new Promise((resolve, reject) => {
    let settled = false;
    response$.subscribe({
      next: (value) => {
        replay$.next(value);
        if (!settled) {
          settled = true;
          resolve();
        }
      },
      error: (error: unknown) => {
        if (error instanceof KafkaRetriableException && !settled) {
          settled = true;
          reject(error);
        } else resolve();
        replay$.error(error);
      },
      complete: () => {
        replay$.complete();
        resolve();
      },
    });
  });
