import { randomBytes } from 'node:crypto';
import { ClientKafka, type KafkaOptions } from '@nestjs/microservices';
import type { Producer } from '@nestjs/microservices/external/kafka.interface';
import { replyTopicOf } from '../bus-record';
import type { TopicProvisioning } from './kafka-bus.server';
import { type KafkaAdminSource, type TopicSpec, ensureTopics } from './kafka-topics';
import { withPrefix } from './kafka-bus.server';

/** Nest's Kafka client options plus topic provisioning; built by `kafkaClientOptions`. */
export type KafkaBusClientOptions = Required<KafkaOptions>['options'] & {
  /** Create request, reply and `topics` topics at connect; null leaves topic creation to others. */
  provisioning?: TopicProvisioning | null;
  /** Topics this client emits to, created at connect when provisioning is on. */
  topics?: string[];
  /** See `KafkaBusConfig.topicPrefix`. */
  topicPrefix?: string;
};

/** Replies are worthless once the caller timed out: keep reply topics short-lived. */
const REPLY_RETENTION_MS = String(60 * 60 * 1000);
const FIRST_FETCH_TIMEOUT_MS = 10_000;

/**
 * Nest's `ClientKafka` made robust for request-reply:
 * - each instance gets its own consumer group for replies (a random suffix on clientId/groupId): it owns
 *   every partition of its reply topics, so no rebalance between replicas can move a reply partition
 *   away mid-request, and no replica can end up without a partition (InvalidKafkaClientTopicException).
 *   The price: every instance reads all replies of its patterns and drops those it did not ask for.
 * - `connect()` creates the topics it needs (request topics, reply topics with 1 partition and short
 *   retention, `topics`) and returns only after the reply consumer fetched once: a new kafkajs consumer
 *   fixes its start offset ("latest") on its first fetch, after `run()` resolved, and skips what was
 *   produced before (8 of 10 records in a kafkajs probe). Nest connects its producer after the consumer,
 *   which usually hides the gap; the wait makes it a guarantee for about one `fetchMaxWaitMs`.
 * - a client that never called `subscribeToResponseOf` connects as producer only (Nest would join a
 *   consumer group with no topics).
 * - a failed `connect()` can be retried (Nest keeps the rejected promise forever).
 * As with ClientKafka, `subscribeToResponseOf(pattern)` must be called before `connect()`.
 */
export class KafkaBusClient extends ClientKafka {
  private ready: Promise<Producer> | null = null;
  private readonly provisioning: TopicProvisioning | null;
  private readonly topics: string[];

  private readonly topicPrefix: string;

  constructor(options: KafkaBusClientOptions) {
    const { provisioning = null, topics = [], topicPrefix = '', ...kafkaOptions } = options;
    super({ ...kafkaOptions, postfixId: `-${randomBytes(4).toString('hex')}` });
    this.provisioning = provisioning;
    this.topicPrefix = topicPrefix;
    this.topics = topics.map((t) => withPrefix(topicPrefix, t));
  }

  /** Requests, replies and events all go to prefixed topics (see `KafkaBusConfig.topicPrefix`). */
  protected override normalizePattern(pattern: Parameters<ClientKafka['normalizePattern']>[0]): string {
    return withPrefix(this.topicPrefix, super.normalizePattern(pattern));
  }

  override connect(): Promise<Producer> {
    this.ready ??= this.start().catch(async (error: unknown) => {
      this.ready = null;
      await super.close().catch(() => undefined);
      throw error;
    });
    return this.ready;
  }

  override async bindTopics(): Promise<void> {
    const consumer = this._consumer;
    if (!consumer) return super.bindTopics();
    let stop = () => {};
    let timer: NodeJS.Timeout | undefined;
    const firstFetch = new Promise<void>((resolve) => {
      stop = consumer.on(consumer.events.FETCH, () => resolve());
      timer = setTimeout(() => {
        this.logger.warn(
          `reply consumer ${this.groupId} did not fetch within ${FIRST_FETCH_TIMEOUT_MS} ms; early replies may be missed`,
        );
        resolve();
      }, FIRST_FETCH_TIMEOUT_MS);
    });
    try {
      await super.bindTopics();
      await firstFetch;
    } finally {
      stop();
      clearTimeout(timer);
    }
  }

  override async close(): Promise<void> {
    this.ready = null;
    await super.close();
  }

  private async start(): Promise<Producer> {
    this.producerOnlyMode = this.responsePatterns.length === 0;
    if (this.provisioning) {
      const requests = this.responsePatterns.map((reply) => reply.slice(0, -replyTopicOf('').length));
      const specs: TopicSpec[] = [
        ...[...requests, ...this.topics].map((topic) => ({ topic })),
        ...this.responsePatterns.map((topic) => ({
          topic,
          partitions: 1,
          configEntries: [{ name: 'retention.ms', value: REPLY_RETENTION_MS }],
        })),
      ];
      await ensureTopics(
        this.createClient() as unknown as KafkaAdminSource,
        specs,
        this.provisioning.partitions,
        {
          replicationFactor: this.provisioning.replicationFactor,
        },
      );
    }
    return super.connect();
  }
}
