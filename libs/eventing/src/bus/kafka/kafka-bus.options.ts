import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { ConnectionOptions } from 'node:tls';
import type { Type } from '@nestjs/common';
import type { ClientProxy, CustomClientOptions, CustomStrategy, KafkaOptions } from '@nestjs/microservices';
import { Partitioners, type RetryOptions, type SASLOptions, logLevel } from 'kafkajs';
import {
  BusJsonRequestDeserializer,
  BusJsonResponseDeserializer,
  BusJsonSerializer,
} from '../bus-json.serializer';
import { KafkaBusClient, type KafkaBusClientOptions } from './kafka-bus.client';
import { KafkaBusServer, type TopicProvisioning } from './kafka-bus.server';

/** Everything a service needs to reach Kafka; built from `KAFKA_BROKERS` and the service name at boot. */
export interface KafkaBusConfig {
  brokers: string[];
  clientId: string;
  /**
   * The service's consumer group: one per service, shared by its replicas (work-sharing). A process that must see
   * every event itself (fan-out: the gateway's cache eviction) uses a group of its own, `instanceGroupId(base)`.
   */
  groupId: string;
  /**
   * Where the group starts on an **event** topic it has no committed offset for. `earliest` (default): every
   * retained event, so nothing published before a service's first start is lost. `latest`: only what is published
   * once the server has started (for per-process groups to which older events mean nothing, and which would
   * otherwise replay the whole topic at every boot). Request topics always start at the latest offset.
   */
  eventsFrom?: 'earliest' | 'latest';
  /**
   * Delete the server's consumer group when it closes cleanly (default false). For per-process groups, which no
   * later process will ever join: otherwise each boot leaves one behind until the broker expires it
   * (`offsets.retention.minutes` after it became empty, 7 days by default). A group that still has members (or a
   * crashed process's group) is left to that expiry.
   */
  deleteGroupOnClose?: boolean;
  /** Dev only: let kafkajs auto-create topics on produce/subscribe (the broker must allow it too). Default false. */
  allowAutoTopicCreation?: boolean;
  /** Create the topics this process uses before it subscribes/produces (see `ensureTopics`). Default true. */
  provisionTopics?: boolean;
  /** Partitions of topics this process creates: the bound on a group's parallelism. Default 3. */
  topicPartitions?: number;
  /** Default -1: the broker's `default.replication.factor`. */
  replicationFactor?: number;
  /** Topics a client emits to, created at connect. */
  topics?: string[];
  /**
   * Namespace of every topic this process uses (`staging.` → `staging.identity.events`), so that several
   * deployments (or test runs) can share one Kafka cluster without answering each other's requests. Handlers and
   * callers keep using the plain patterns.
   */
  topicPrefix?: string;
  /** A member that stops heartbeating this long is evicted and its partitions redelivered. Default 30 000 (tests: 6 000, the broker minimum). */
  sessionTimeoutMs?: number;
  /** Also how fast a member notices a rebalance (another member joining or leaving). Default 3 000 (tests: 500). */
  heartbeatIntervalMs?: number;
  /** Time members get to finish in-flight handlers and rejoin during a rebalance. Default 60 000. */
  rebalanceTimeoutMs?: number;
  /** Partitions handled in parallel by one member; each partition stays sequential. Default 3. */
  partitionsConsumedConcurrently?: number;
  /**
   * Longest time a fetch waits for data on an idle partition. It adds no latency (a fetch returns as soon as
   * a record arrives) but bounds how long `close()` and the first fetch take. Default 500.
   */
  fetchMaxWaitMs?: number;
  /** Requests in flight per broker connection of a consumer. Default 5. */
  maxInFlightRequests?: number;
  /**
   * kafkajs retry for connections, admin calls and failed handlers: a handler error is retried after
   * `initialRetryTime`, doubling up to `maxRetryTime`, `retries` times; then the consumer restarts and the
   * record is redelivered again. Default kafkajs' (300 ms, 30 s, 5).
   */
  retry?: RetryOptions;
  ssl?: ConnectionOptions | boolean;
  sasl?: SASLOptions;
  /** kafkajs log level, logged through Nest's logger. Default WARN. */
  logLevel?: logLevel;
  /** Default 3 000. */
  connectionTimeoutMs?: number;
  /** Default 30 000. */
  requestTimeoutMs?: number;
}

const provisioning = (cfg: KafkaBusConfig): TopicProvisioning | null =>
  cfg.provisionTopics === false
    ? null
    : { partitions: cfg.topicPartitions ?? 3, replicationFactor: cfg.replicationFactor ?? -1 };

const kafkaOptions = (cfg: KafkaBusConfig): Required<KafkaOptions>['options'] => {
  if (cfg.brokers.length === 0) throw new Error('KafkaBusConfig.brokers is empty');
  const allowAutoTopicCreation = cfg.allowAutoTopicCreation ?? false;
  return {
    // Nest appends "-server"/"-client" to ids by default; operators should see the configured group name.
    postfixId: '',
    client: {
      clientId: cfg.clientId,
      brokers: cfg.brokers,
      ssl: cfg.ssl,
      sasl: cfg.sasl,
      connectionTimeout: cfg.connectionTimeoutMs ?? 3_000,
      requestTimeout: cfg.requestTimeoutMs ?? 30_000,
      retry: cfg.retry,
      logLevel: cfg.logLevel ?? logLevel.WARN,
    },
    consumer: {
      groupId: cfg.groupId,
      sessionTimeout: cfg.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: cfg.heartbeatIntervalMs ?? 3_000,
      rebalanceTimeout: cfg.rebalanceTimeoutMs ?? 60_000,
      allowAutoTopicCreation,
      maxInFlightRequests: cfg.maxInFlightRequests ?? 5,
      maxWaitTimeInMs: cfg.fetchMaxWaitMs ?? 500,
      retry: cfg.retry,
    },
    producer: {
      allowAutoTopicCreation,
      // Explicit to silence kafkajs' "default partitioner changed" warning; murmur2 like the Java client.
      createPartitioner: Partitioners.DefaultPartitioner,
    },
    // acks=all: emit() resolves once the record is durable on the in-sync replicas.
    send: { acks: -1 },
    // Values stay Buffers so the bus deserializers JSON-parse them whole (see BusJsonSerializer).
    parser: { keepBinary: true },
    serializer: new BusJsonSerializer(),
  };
};

/** Kafka group ids are free text; these keep them readable in tools and safe in metrics labels. */
const GROUP_ID_UNSAFE = /[^A-Za-z0-9._-]+/g;

/**
 * A consumer group for this process alone: `<base>.<host>.<pid>.<random>` (host name sanitised and capped, 4 random
 * bytes so that a restarted container — same host name, same pid 1 — never rejoins its predecessor's group). Every
 * process consuming in such a group receives every event (fan-out) instead of sharing partitions with its
 * replicas. Pair it with `eventsFrom: 'latest'` and `deleteGroupOnClose`.
 */
export const instanceGroupId = (
  base: string,
  instance: { hostname?: string; pid?: number; random?: string } = {},
): string => {
  const host = (instance.hostname ?? hostname()).replace(GROUP_ID_UNSAFE, '-').slice(0, 63) || 'host';
  const pid = instance.pid ?? process.pid;
  const random = instance.random ?? randomBytes(4).toString('hex');
  return `${base}.${host}.${pid}.${random}`;
};

/**
 * Microservice options for `NestFactory.createMicroservice` / `app.connectMicroservice`: a
 * `KafkaBusServer` consuming every handler pattern as a topic in `cfg.groupId`.
 * - A new group starts at the earliest retained record of its event topics (`fromBeginning`): Nest's
 *   default, "latest", silently skips everything published before a service's first start. `eventsFrom:
 *   'latest'` opts out, for per-process groups.
 * - Offsets are committed only for handled records: after each batch, every second or every 100 records,
 *   which bounds the duplicates a crash causes.
 * Build one per microservice (the strategy instance serves one app). Throws on an empty broker list.
 */
export const kafkaServerOptions = (cfg: KafkaBusConfig): CustomStrategy => {
  const options = kafkaOptions(cfg);
  return {
    strategy: new KafkaBusServer(
      {
        ...options,
        subscribe: { fromBeginning: cfg.eventsFrom !== 'latest' },
        run: {
          autoCommit: true,
          autoCommitInterval: 1_000,
          autoCommitThreshold: 100,
          partitionsConsumedConcurrently: cfg.partitionsConsumedConcurrently ?? 3,
        },
        deserializer: new BusJsonRequestDeserializer(),
      },
      provisioning(cfg),
      cfg.topicPrefix ?? '',
      { deleteGroupOnClose: cfg.deleteGroupOnClose ?? false },
    ),
  };
};

/**
 * Client options for `ClientsModule.register` / `ClientProxyFactory.create`: a `KafkaBusClient` whose
 * producer is idempotent (kafkajs serialises its sends per broker and retries without duplicating or
 * reordering, so per-key order survives broker retries). Call `subscribeToResponseOf(pattern)` for every
 * request pattern before `connect()`. Throws on an empty broker list.
 */
export const kafkaClientOptions = (cfg: KafkaBusConfig): CustomClientOptions => {
  const options = kafkaOptions(cfg);
  const clientOptions: KafkaBusClientOptions = {
    ...options,
    consumer: { ...options.consumer, groupId: cfg.groupId },
    producer: { ...options.producer, idempotent: true },
    deserializer: new BusJsonResponseDeserializer(),
    provisioning: provisioning(cfg),
    topics: cfg.topics ?? [],
    topicPrefix: cfg.topicPrefix ?? '',
  };
  // Cast: ClientKafka's typed events/status make it not assignable to the ClientProxy<never> Nest expects.
  return { customClass: KafkaBusClient as unknown as Type<ClientProxy>, options: clientOptions };
};
