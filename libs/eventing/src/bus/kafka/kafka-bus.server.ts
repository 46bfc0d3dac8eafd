import {
  type KafkaContext,
  type KafkaOptions,
  type MessageHandler,
  type ReadPacket,
  ServerKafka,
} from '@nestjs/microservices';
import { NO_EVENT_HANDLER } from '@nestjs/microservices/constants';
import type { Consumer } from '@nestjs/microservices/external/kafka.interface';
import { isObservable, lastValueFrom } from 'rxjs';
import { type KafkaAdminSource, ensureTopics } from './kafka-topics';

const FIRST_FETCH_TIMEOUT_MS = 10_000;

/** `prefix + topic`, unless the topic already carries the prefix. */
export const withPrefix = (prefix: string, topic: string): string =>
  prefix && !topic.startsWith(prefix) ? prefix + topic : topic;

/** Topics a process creates for itself before it subscribes (see `ensureTopics`). */
export interface TopicProvisioning {
  partitions: number;
  replicationFactor: number;
}

/** Options of `KafkaBusServer` beyond Nest's. */
export interface KafkaBusServerExtras {
  /** Delete the consumer group after a clean `close()` (per-process groups; see `KafkaBusConfig`). */
  deleteGroupOnClose?: boolean;
}

/**
 * Nest's `ServerKafka` with these changes, everything else (consumer group, per-partition sequential
 * `eachMessage`, request replies) is Nest's:
 * - the topics of every handler pattern are created before the consumer subscribes (unless provisioning
 *   is off), so a service boots against a cluster with auto-creation disabled;
 * - event topics start at the earliest record for a new group unless `subscribe.fromBeginning` is false,
 *   request topics always at the latest; the server reports started only after its first fetch whenever a
 *   topic starts at the latest offset (that fetch is when the offset is fixed);
 * - an event handler returning an observable that completes empty is a success (Nest's `lastValueFrom`
 *   would reject with EmptyError and have the record redelivered forever);
 * - optionally, the consumer group is deleted on a clean close (`deleteGroupOnClose`).
 *
 * Delivery guarantee (verified by the contract suite): kafkajs resolves an offset only after `eachMessage`
 * resolved, and ServerKafka awaits an event handler's promise/observable, whose error (passed through
 * Nest's RPC exception filter) rejects `eachMessage`. The offset is then not committed and kafkajs
 * refetches the record after its retry backoff, then restarts the consumer when retries run out. A record
 * is therefore committed only after its handler succeeded, and a crash mid-handling redelivers it.
 */
export class KafkaBusServer extends ServerKafka {
  constructor(
    options: Required<KafkaOptions>['options'],
    private readonly provisioning: TopicProvisioning | null,
    private readonly topicPrefix = '',
    private readonly extras: KafkaBusServerExtras = {},
  ) {
    super(options);
  }

  /**
   * Nest's close (consumer and producer disconnected: the member leaves its group), then, with
   * `deleteGroupOnClose`, the group itself is deleted. Best effort: a failure is logged, never thrown, so
   * shutdown goes on; a group the broker still sees members in is left to its expiry.
   */
  override async close(): Promise<void> {
    const client = this.client;
    const hadConsumer = this.consumer !== null && this.consumer !== undefined;
    await super.close();
    if (!this.extras.deleteGroupOnClose || !client || !hadConsumer) return;
    const admin = client.admin();
    try {
      await admin.connect();
      await admin.deleteGroups([this.groupId]);
    } catch (err) {
      this.logger.warn(
        `consumer group ${this.groupId} not deleted (${err instanceof Error ? err.message : String(err)}); the broker expires it`,
      );
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /** Handlers register under the prefixed topic; an incoming topic is already prefixed (idempotent). */
  override normalizePattern(pattern: Parameters<ServerKafka['normalizePattern']>[0]): string {
    return withPrefix(this.topicPrefix, super.normalizePattern(pattern));
  }

  /**
   * The handler registered under this very topic first (an incoming topic is already prefixed): Nest's lookup would
   * `JSON.parse` a plain topic name, throwing and catching a SyntaxError, on every message. Anything else (a JSON
   * pattern) goes through Nest's lookup as before. The in-process server does the same.
   */
  override getHandlerByPattern(pattern: string): MessageHandler | null {
    return this.messageHandlers.get(pattern) ?? super.getHandlerByPattern(pattern);
  }

  override async bindEvents(consumer: Consumer): Promise<void> {
    if (this.provisioning && this.client) {
      await ensureTopics(
        this.client as unknown as KafkaAdminSource,
        [...this.messageHandlers.keys()],
        this.provisioning.partitions,
        {
          replicationFactor: this.provisioning.replicationFactor,
        },
      );
    }
    // Events replay from the earliest record for a new group (nothing published before a service's first start
    // is lost); requests never do: a new group answering requests left by earlier runs would, say, start sessions
    // nobody holds the secret of. Only a group without committed offsets is affected either way.
    const patterns = [...this.messageHandlers.entries()];
    const events = patterns.filter(([, h]) => h.isEventHandler).map(([p]) => p);
    const requests = patterns.filter(([, h]) => !h.isEventHandler).map(([p]) => p);
    const subscribe = this.options.subscribe ?? {};
    const eventsFromBeginning = subscribe.fromBeginning ?? true;
    if (events.length > 0)
      await consumer.subscribe({
        ...subscribe,
        topics: events,
        fromBeginning: eventsFromBeginning,
      });
    if (requests.length > 0)
      await consumer.subscribe({ ...subscribe, topics: requests, fromBeginning: false });
    // A new group fixes "latest" at its first fetch, after run() resolved: wait for it, or a request (or, for a
    // group whose events start at the latest offset, an event) sent in that window would be skipped
    // (KafkaBusClient does the same for replies).
    let stop = () => {};
    let timer: NodeJS.Timeout | undefined;
    const firstFetch = new Promise<void>((resolve) => {
      stop = consumer.on(consumer.events.FETCH, () => resolve());
      timer = setTimeout(resolve, FIRST_FETCH_TIMEOUT_MS);
    });
    try {
      await consumer.run({ ...(this.options.run ?? {}), eachMessage: this.getMessageHandler() });
      if (requests.length > 0 || (events.length > 0 && !eventsFromBeginning)) await firstFetch;
    } finally {
      stop();
      clearTimeout(timer);
    }
  }

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
}
