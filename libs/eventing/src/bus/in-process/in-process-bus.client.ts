import { isNil } from '@nestjs/common/utils/shared.utils';
import { ClientProxy, KafkaHeaders, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { InvalidKafkaClientTopicException } from '@nestjs/microservices/errors/invalid-kafka-client-topic.exception';
import { InvalidMessageException } from '@nestjs/microservices/errors/invalid-message.exception';
import { Observable, Subject, connectable, defer, throwError } from 'rxjs';
import {
  BusJsonResponseDeserializer,
  BusJsonSerializer,
  type ParsedRecord,
  decodeHeadersLikeKafkaParser,
} from '../bus-json.serializer';
import { type OutgoingRecord, replyTopicOf } from '../bus-record';
import type { InProcessBroker, ProduceAck, ProducedRecord } from './in-process.broker';

export interface InProcessClientOptions {
  broker: InProcessBroker;
  /**
   * What `emit` waits for unless the call says otherwise: `'accepted'` (default, Kafka-like: stored) or
   * `'handled'` (every group subscribed at publish time has handled it).
   */
  emitAck?: ProduceAck;
}

/** Per-call override of the client's `emitAck` (in-process only; Kafka's emit always means accepted). */
export interface InProcessEmitOptions {
  ack?: ProduceAck;
}

/**
 * Nest client for an `InProcessBroker`, behaving like Nest's `ClientKafka`:
 * - `emit(topic, data)` appends to the topic; pass `busRecord(key, value, headers)` for a keyed record.
 *   The returned observable is hot (the event is sent even if nobody subscribes) and emits kafkajs-shaped
 *   `RecordMetadata[]`. The in-process extra: `emit(topic, data, { ack: 'handled' })`.
 * - `send(pattern, data)` needs `subscribeToResponseOf(pattern)` BEFORE `connect()` (as on Kafka, where the
 *   reply topic is subscribed at connect); otherwise it errors with `InvalidKafkaClientTopicException`.
 *   The request is a record on topic `pattern` consumed by one member of each group; the handler's
 *   values/error come back as on Kafka (errors as plain objects, e.g. `{ status: 'error', message }`).
 *   No timeout is applied: callers add `rxjs.timeout`, on both transports.
 * Payloads cross as JSON (see `BusJsonSerializer`), never as shared references.
 */
export class InProcessBusClient extends ClientProxy {
  private readonly recordSerializer = new BusJsonSerializer();
  private readonly recordDeserializer = new BusJsonResponseDeserializer();
  private readonly replyTopics = new Set<string>();
  private listening: Set<string> | null = null;
  private unlisten: Array<() => void> = [];

  constructor(private readonly options: InProcessClientOptions) {
    super();
  }

  /** Registers interest in the replies of `pattern`; takes effect at the next `connect()`. */
  subscribeToResponseOf(pattern: unknown): void {
    this.replyTopics.add(replyTopicOf(this.normalizePattern(pattern as string)));
  }

  async connect(): Promise<void> {
    if (this.listening) return;
    this.listening = new Set(this.replyTopics);
    for (const topic of this.listening) {
      this.unlisten.push(this.options.broker.listenForReplies(topic, (record) => this.onReply(record)));
    }
    this._status$.next('connected');
  }

  /** Stops listening for replies; pending `send`s then never complete (as with ClientKafka). */
  async close(): Promise<void> {
    for (const stop of this.unlisten.splice(0)) stop();
    this.listening = null;
    this._status$.next('disconnected');
  }

  unwrap<T>(): T {
    return this.options.broker as T;
  }

  override emit<TResult = ProducedRecord[], TInput = unknown>(
    pattern: unknown,
    data: TInput,
    options?: InProcessEmitOptions,
  ): Observable<TResult> {
    if (isNil(pattern) || isNil(data)) return throwError(() => new InvalidMessageException());
    return hot(async () => {
      await this.connect();
      return (await this.produce(pattern, [data], options)) as TResult;
    });
  }

  /**
   * Like `ClientKafka.emitBatch`: appends `messages` to one topic in order (a message that fails to
   * serialize fails the batch before anything is appended) and emits their metadata.
   */
  emitBatch<TResult = ProducedRecord[], TInput = unknown>(
    pattern: unknown,
    data: { messages: TInput[] },
    options?: InProcessEmitOptions,
  ): Observable<TResult> {
    if (isNil(pattern) || isNil(data)) return throwError(() => new InvalidMessageException());
    return hot(async () => {
      await this.connect();
      return (await this.produce(pattern, data.messages, options)) as TResult;
    });
  }

  /**
   * Nest's `send`, without its `defer(async connect)` + `mergeMap` once connected (`connect()` would then do
   * nothing): one Observable per request instead of four, and no extra promise. Before the first `connect()`, and
   * for invalid input, Nest's own path runs unchanged.
   */
  override send<TResult = unknown, TInput = unknown>(pattern: unknown, data: TInput): Observable<TResult> {
    if (!this.listening || isNil(pattern) || isNil(data)) return super.send(pattern, data);
    return new Observable<TResult>((observer) =>
      this.publish({ pattern, data }, this.createObserver(observer)),
    );
  }

  protected dispatchEvent<T = ProducedRecord[]>(packet: ReadPacket): Promise<T> {
    return this.produce(packet.pattern, [packet.data]) as Promise<T>;
  }

  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    const { id } = this.assignPacketId(packet);
    this.routingMap.set(id, callback);
    const cleanup = () => void this.routingMap.delete(id);
    const fail = (err: unknown) => {
      cleanup();
      callback({ err });
    };
    try {
      const pattern = this.normalizePattern(packet.pattern);
      const replyTopic = replyTopicOf(pattern);
      if (!this.listening?.has(replyTopic)) throw new InvalidKafkaClientTopicException(replyTopic);
      const record = this.recordSerializer.serialize(packet.data);
      record.headers[KafkaHeaders.CORRELATION_ID] = id;
      record.headers[KafkaHeaders.REPLY_TOPIC] = replyTopic;
      record.headers[KafkaHeaders.REPLY_PARTITION] = '0';
      this.options.broker.append(pattern, record); // synchronous: no promise per request
      return cleanup;
    } catch (err) {
      fail(err);
      return () => undefined;
    }
  }

  private async produce(
    pattern: unknown,
    messages: unknown[],
    options?: InProcessEmitOptions,
  ): Promise<ProducedRecord[]> {
    const ack = options?.ack ?? this.options.emitAck ?? 'accepted';
    const topic = this.normalizePattern(pattern as string);
    const records = messages.map((m) => this.recordSerializer.serialize(m));
    // Each produce appends synchronously before its first await, so the records keep the given order.
    return (await Promise.all(records.map((r) => this.options.broker.produce(topic, r, ack)))).flat();
  }

  private onReply(record: OutgoingRecord): void {
    // Headers decoded as Nest's KafkaParser decodes them on Kafka (the error header JSON-parsed), value untouched.
    const raw: ParsedRecord = {
      key: record.key,
      value: record.value,
      headers: decodeHeadersLikeKafkaParser(record.headers),
    };
    const { id, err, response, isDisposed } = this.recordDeserializer.deserialize(raw);
    const callback = this.routingMap.get(id);
    if (!callback) return;
    if (err || isDisposed) callback({ err, response, isDisposed });
    else callback({ err, response });
  }
}

/** Nest's emit contract: the send starts now, whether or not anyone subscribes to the result. */
const hot = <T>(send: () => Promise<T>): Observable<T> => {
  const shared = connectable(defer(send), { connector: () => new Subject<T>(), resetOnDisconnect: false });
  shared.connect();
  return shared;
};
