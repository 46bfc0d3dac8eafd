import { randomUUID } from 'node:crypto';
import { Logger, type LoggerService } from '@nestjs/common';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { BusClosed, InvalidTopicName } from '../bus.errors';
import { type OutgoingRecord, isValidTopicName } from '../bus-record';

export interface InProcessBrokerOptions {
  /** Partitions of a topic created on first use, like Kafka's `num.partitions`. Default 3. */
  defaultPartitions?: number;
  /** Delay before a failed delivery is retried; doubles per attempt (±20 % jitter) up to `retryMaxMs`. Default 300 ms (kafkajs). */
  retryInitialMs?: number;
  /** Default 30 s (kafkajs). */
  retryMaxMs?: number;
  /**
   * How long a rebalance (a member joins or leaves) waits for in-flight handlers of the partitions being
   * reassigned. A handler still running after that is fenced: its partition moves on and its late result is
   * not committed, as Kafka does with a member that misses the rebalance. Default 30 s.
   */
  rebalanceTimeoutMs?: number;
  /** Records kept per partition however far behind a group is (Kafka's size retention). Default 100 000. */
  retentionRecords?: number;
  logger?: LoggerService;
}

/** A record as stored in a partition. */
export interface StoredRecord extends OutgoingRecord {
  offset: number;
  /** Epoch milliseconds at append. */
  timestamp: number;
}

/** One record handed to one member of one group. */
export interface Delivery {
  topic: string;
  partition: number;
  record: StoredRecord;
}

/** A member's handler. Resolving commits the record for the member's group; rejecting has it redelivered. */
export type DeliveryHandler = (delivery: Delivery) => Promise<void>;

/** When `produce` resolves: `'accepted'` once appended (Kafka acks), `'handled'` once every group handled it. */
export type ProduceAck = 'accepted' | 'handled';

/** Same shape as kafkajs' `RecordMetadata`, so `emit()` resolves alike on both transports. */
export interface ProducedRecord {
  topicName: string;
  partition: number;
  errorCode: number;
  baseOffset: string;
  logAppendTime: string;
  logStartOffset: string;
}

/** A member's place in a consumer group. */
export interface GroupMembership {
  readonly groupId: string;
  readonly memberId: string;
  /**
   * Leaves the group: its partitions are reassigned to the remaining members once its in-flight handlers
   * settle (or are fenced after `rebalanceTimeoutMs`). Uncommitted records are redelivered to the new owners.
   */
  leave(): Promise<void>;
}

const CHUNK = 1024;

class PartitionLog {
  private records: StoredRecord[] = [];
  private first = 0;
  private wakers = new Set<() => void>();
  /** Publishers awaiting `'handled'`, in offset order. */
  readonly handledWaiters: Array<{
    offset: number;
    groups: Set<string>;
    resolve: () => void;
    reject: (e: Error) => void;
  }> = [];

  constructor(private readonly retention: number) {}

  get startOffset(): number {
    return this.first;
  }

  get endOffset(): number {
    return this.first + this.records.length;
  }

  append(record: OutgoingRecord): StoredRecord {
    const stored: StoredRecord = {
      key: record.key,
      value: record.value,
      headers: { ...record.headers },
      offset: this.endOffset,
      timestamp: Date.now(),
    };
    this.records.push(stored);
    if (this.records.length > this.retention + CHUNK) this.dropBelow(this.endOffset - this.retention);
    if (this.wakers.size > 0) {
      const wakers = this.wakers;
      this.wakers = new Set();
      for (const wake of wakers) wake();
    }
    return stored;
  }

  at(offset: number): StoredRecord | undefined {
    return this.records[offset - this.first];
  }

  onAppend(wake: () => void): () => void {
    this.wakers.add(wake);
    return () => void this.wakers.delete(wake);
  }

  /** Forgets records every group has committed, a chunk at a time (as Kafka deletes whole segments). */
  releaseBelow(offset: number): void {
    const dead = Math.min(offset, this.endOffset) - this.first;
    if (dead > 0 && (dead >= CHUNK || dead === this.records.length)) this.dropBelow(this.first + dead);
  }

  private dropBelow(offset: number): void {
    this.records = this.records.slice(offset - this.first);
    this.first = offset;
  }
}

class Topic {
  readonly partitions: PartitionLog[];
  readonly metadata: PartitionMetadata[];

  constructor(
    readonly name: string,
    partitions: number,
    retention: number,
  ) {
    this.partitions = Array.from({ length: partitions }, () => new PartitionLog(retention));
    this.metadata = this.partitions.map((_, partitionId) => ({
      partitionId,
      leader: 0,
      replicas: [0],
      isr: [0],
      partitionErrorCode: 0,
      offlineReplicas: [],
    }));
  }
}

interface Member {
  readonly id: string;
  readonly topics: readonly string[];
  readonly handler: DeliveryHandler;
}

/** One partition of one topic owned by one member for one generation of its group. */
class Lease {
  active = true;
  /** Set when the rebalance gave up waiting: whatever the handler does later is not committed. */
  fenced = false;
  done: Promise<void> = Promise.resolve();
  private wake: (() => void) | null = null;

  constructor(
    readonly member: Member,
    readonly topic: string,
    readonly partition: number,
  ) {}

  stop(): void {
    this.active = false;
    this.wake?.();
  }

  sleep(ms: number): Promise<void> {
    if (!this.active) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    }).finally(() => (this.wake = null));
  }

  waitForAppend(log: PartitionLog): Promise<void> {
    if (!this.active) return Promise.resolve();
    let cancel: () => void = () => undefined;
    return new Promise<void>((resolve) => {
      cancel = log.onAppend(resolve);
      this.wake = resolve;
    }).finally(() => {
      cancel();
      this.wake = null;
    });
  }
}

class Group {
  members: Member[] = [];
  leases: Lease[] = [];
  /** Next offset to deliver, per subscribed topic and partition. Kept after members leave, as Kafka keeps offsets. */
  readonly committed = new Map<string, number[]>();
  rebalancing: Promise<void> = Promise.resolve();

  constructor(readonly id: string) {}
}

/**
 * An in-memory Kafka for one process (embedded mode and unit tests), driven through `InProcessBusServer`
 * and `InProcessBusClient`. It keeps Kafka's delivery semantics rather than an event emitter's:
 * - topics have partitions; a record's partition is chosen from its key by kafkajs' own default
 *   partitioner (murmur2, so a key lands on the same partition number as on Kafka), keyless round-robin;
 * - every consumer group receives every record; within a group each partition is owned by one member and
 *   its records are handled one at a time, in offset order (per-key order);
 * - a record is committed only after its handler resolved; a rejected handler has the record redelivered
 *   with backoff (never skipped, so a handler that always fails blocks its partition, as on Kafka);
 * - a member leaving hands its partitions to the others from the committed offsets, so an uncommitted
 *   record is redelivered; a new group starts at the earliest retained record (`fromBeginning`).
 * Topics are created on first use. Records are retained until every group committed them, capped by
 * `retentionRecords`; a group that falls below the cap resumes at the earliest retained record.
 */
export class InProcessBroker {
  private readonly topics = new Map<string, Topic>();
  private readonly groups = new Map<string, Group>();
  private readonly replyListeners = new Map<string, Set<(record: OutgoingRecord) => void>>();
  private pendingReplies: Array<{
    listeners: Set<(record: OutgoingRecord) => void>;
    record: OutgoingRecord;
  }> = [];
  private readonly partitioner = Partitioners.DefaultPartitioner();
  private readonly logger: LoggerService;
  private readonly defaultPartitions: number;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;
  private readonly rebalanceTimeoutMs: number;
  private readonly retentionRecords: number;
  private closed = false;

  constructor(options: InProcessBrokerOptions = {}) {
    this.defaultPartitions = options.defaultPartitions ?? 3;
    this.retryInitialMs = options.retryInitialMs ?? 300;
    this.retryMaxMs = options.retryMaxMs ?? 30_000;
    this.rebalanceTimeoutMs = options.rebalanceTimeoutMs ?? 30_000;
    this.retentionRecords = options.retentionRecords ?? 100_000;
    this.logger = options.logger ?? new Logger(InProcessBroker.name);
  }

  /**
   * Creates the topic with `partitions` partitions unless it exists (an existing topic keeps its count,
   * like `ensureTopics` on Kafka). Throws `InvalidTopicName`.
   */
  createTopic(name: string, partitions = this.defaultPartitions): void {
    this.topic(name, partitions);
  }

  /**
   * Appends a record to `topic` (created on first use). With `ack: 'accepted'` (default) resolves once
   * stored, like a Kafka produce with acks=all. With `'handled'` resolves only once every group that has a
   * member subscribed to the topic right now has committed the record (so a relay's checkpoint never runs
   * ahead of consumers whose broker state dies with the process); rejects with `BusClosed` if the broker
   * closes first. Throws `BusClosed` after `close()`, `InvalidTopicName` for an illegal name.
   */
  async produce(
    topicName: string,
    record: OutgoingRecord,
    ack: ProduceAck = 'accepted',
  ): Promise<ProducedRecord[]> {
    const produced = [this.append(topicName, record)];
    if (ack === 'accepted') return produced;
    const log = this.topic(topicName).partitions[produced[0]!.partition]!;
    const offset = Number(produced[0]!.baseOffset);
    const groups = new Set(
      [...this.groups.values()]
        .filter((g) => g.members.some((m) => m.topics.includes(topicName)))
        .map((g) => g.id),
    );
    if (groups.size === 0) return produced;
    await new Promise<void>((resolve, reject) =>
      log.handledWaiters.push({ offset, groups, resolve, reject }),
    );
    return produced;
  }

  /**
   * `produce` with `ack: 'accepted'`, synchronously: the record is stored when this returns (what a request needs;
   * no promise per message). Throws `BusClosed` after `close()`, `InvalidTopicName` for an illegal name.
   */
  append(topicName: string, record: OutgoingRecord): ProducedRecord {
    this.assertOpen();
    const topic = this.topic(topicName);
    const partition = this.partitioner({
      topic: topicName,
      partitionMetadata: topic.metadata,
      message: { key: record.key, value: record.value },
    });
    const log = topic.partitions[partition]!;
    const stored = log.append(record);
    return {
      topicName,
      partition,
      errorCode: 0,
      baseOffset: String(stored.offset),
      logAppendTime: '-1',
      logStartOffset: String(log.startOffset),
    };
  }

  /**
   * Adds a member subscribed to `topics` to `groupId` and resolves once the group has rebalanced, so the
   * member owns its share of partitions (like kafkajs' `consumer.run()` resolving after join and sync).
   * The handler is called for one record at a time per owned partition.
   */
  async join(
    groupId: string,
    topics: readonly string[],
    handler: DeliveryHandler,
    options: { latestOnly?: readonly string[] } = {},
  ): Promise<GroupMembership> {
    this.assertOpen();
    for (const name of topics) this.topic(name);
    let group = this.groups.get(groupId);
    if (!group) this.groups.set(groupId, (group = new Group(groupId)));
    for (const name of topics) {
      if (!group.committed.has(name)) {
        // `latestOnly` topics (requests) start at the end: a new group must not answer old requests.
        const latest = options.latestOnly?.includes(name);
        group.committed.set(
          name,
          this.topic(name).partitions.map((log) => (latest ? log.endOffset : log.startOffset)),
        );
      }
    }
    const member: Member = { id: `${groupId}-${randomUUID()}`, topics: [...topics], handler };
    group.members.push(member);
    await this.rebalance(group);
    const joined = group;
    let left: Promise<void> | undefined;
    return {
      groupId,
      memberId: member.id,
      leave: () =>
        (left ??= (() => {
          joined.members = joined.members.filter((m) => m !== member);
          return this.rebalance(joined);
        })()),
    };
  }

  /** Delivers a reply to every client listening on `replyTopic` (each filters by correlation id). */
  publishReply(replyTopic: string, record: OutgoingRecord): void {
    const listeners = this.replyListeners.get(replyTopic);
    if (!listeners || this.closed) return;
    // Asynchronous like a network hop, so a reply never re-enters the handler's call stack: the replies published
    // in one turn of the event loop are delivered together, in order, by one `setImmediate`.
    this.pendingReplies.push({ listeners, record });
    if (this.pendingReplies.length === 1) setImmediate(this.deliverReplies);
  }

  private readonly deliverReplies = (): void => {
    const replies = this.pendingReplies;
    this.pendingReplies = [];
    for (const { listeners, record } of replies) {
      for (const listener of listeners) listener({ ...record, headers: { ...record.headers } });
    }
  };

  /** Listens on a reply topic; returns the unsubscribe function. Replies published while nobody listens are dropped. */
  listenForReplies(replyTopic: string, listener: (record: OutgoingRecord) => void): () => void {
    let listeners = this.replyListeners.get(replyTopic);
    if (!listeners) this.replyListeners.set(replyTopic, (listeners = new Set()));
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  /** Committed (next) offset per partition of `topic` for `groupId`, and the log end offsets. For lag metrics and tests. */
  describe(groupId: string, topicName: string): { committed: number[] | undefined; end: number[] } {
    const topic = this.topics.get(topicName);
    return {
      committed: this.groups.get(groupId)?.committed.get(topicName)?.slice(),
      end: topic?.partitions.map((log) => log.endOffset) ?? [],
    };
  }

  /**
   * Stops every delivery loop (in-flight handlers are awaited up to `rebalanceTimeoutMs`), rejects pending
   * `'handled'` produces with `BusClosed`. Idempotent.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const leases = [...this.groups.values()].flatMap((g) => g.leases);
    for (const lease of leases) lease.stop();
    for (const topic of this.topics.values()) {
      for (const log of topic.partitions) {
        for (const waiter of log.handledWaiters.splice(0)) waiter.reject(new BusClosed('in-process broker'));
      }
    }
    await this.settle(leases);
    for (const group of this.groups.values()) group.leases = [];
    this.replyListeners.clear();
  }

  private topic(name: string, partitions = this.defaultPartitions): Topic {
    let topic = this.topics.get(name);
    if (!topic) {
      if (!isValidTopicName(name)) throw new InvalidTopicName(name);
      if (!Number.isInteger(partitions) || partitions < 1)
        throw new RangeError(`partitions must be a positive integer, got ${partitions}`);
      this.topics.set(name, (topic = new Topic(name, partitions, this.retentionRecords)));
    }
    return topic;
  }

  private assertOpen(): void {
    if (this.closed) throw new BusClosed('in-process broker');
  }

  // Rebalances of one group run one after another; each is eager like Kafka's classic protocol: stop all
  // leases, let in-flight handlers finish and commit, then assign every partition afresh.
  private rebalance(group: Group): Promise<void> {
    const next = group.rebalancing.then(() => this.reassign(group));
    group.rebalancing = next.catch(() => undefined);
    return next;
  }

  private async reassign(group: Group): Promise<void> {
    const previous = group.leases;
    group.leases = [];
    for (const lease of previous) lease.stop();
    if (!(await this.settle(previous))) {
      this.logger.warn?.(
        `group ${group.id}: handlers still running after ${this.rebalanceTimeoutMs} ms; their records will be redelivered`,
      );
    }
    if (this.closed) return;

    // Round-robin over (topic, partition) in a stable order, among the members subscribed to each topic.
    let turn = 0;
    for (const name of [...group.committed.keys()].sort()) {
      const subscribers = group.members.filter((m) => m.topics.includes(name));
      if (subscribers.length === 0) continue;
      const topic = this.topic(name);
      for (let partition = 0; partition < topic.partitions.length; partition++) {
        const lease = new Lease(subscribers[turn++ % subscribers.length]!, name, partition);
        lease.done = this.consume(group, lease);
        group.leases.push(lease);
      }
    }
  }

  /** Waits for the leases' loops to end; past the rebalance timeout fences the stragglers. True if all ended in time. */
  private async settle(leases: Lease[]): Promise<boolean> {
    if (leases.length === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const inTime = await Promise.race([
      Promise.all(leases.map((l) => l.done)).then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), this.rebalanceTimeoutMs))),
    ]);
    clearTimeout(timer);
    if (!inTime) for (const lease of leases) lease.fenced = true;
    return inTime;
  }

  private async consume(group: Group, lease: Lease): Promise<void> {
    const log = this.topic(lease.topic).partitions[lease.partition]!;
    const committed = group.committed.get(lease.topic)!;
    let attempt = 0;
    while (lease.active) {
      if (committed[lease.partition]! < log.startOffset) {
        this.logger.warn?.(
          `group ${group.id}: ${lease.topic}[${lease.partition}] offset ${committed[lease.partition]} fell out of retention; resuming at ${log.startOffset}`,
        );
        this.commit(group, lease.topic, lease.partition, log.startOffset);
      }
      const offset = committed[lease.partition]!;
      const record = log.at(offset);
      if (!record) {
        await lease.waitForAppend(log);
        continue;
      }
      try {
        await lease.member.handler({ topic: lease.topic, partition: lease.partition, record });
      } catch (error) {
        attempt++;
        const delay = this.backoff(attempt);
        this.logger.warn?.(
          `group ${group.id}: handler failed on ${lease.topic}[${lease.partition}]@${offset} (attempt ${attempt}), redelivering in ${delay} ms: ${describeError(error)}`,
        );
        await lease.sleep(delay);
        continue;
      }
      attempt = 0;
      if (lease.fenced) return;
      this.commit(group, lease.topic, lease.partition, offset + 1);
    }
  }

  private commit(group: Group, topicName: string, partition: number, next: number): void {
    group.committed.get(topicName)![partition] = next;
    const log = this.topic(topicName).partitions[partition]!;
    const waiters = log.handledWaiters;
    for (let i = 0; i < waiters.length && waiters[i]!.offset < next;) {
      const waiter = waiters[i]!;
      waiter.groups.delete(group.id);
      if (waiter.groups.size === 0) {
        waiters.splice(i, 1);
        waiter.resolve();
      } else i++;
    }
    let low = next;
    for (const g of this.groups.values()) {
      const offset = g.committed.get(topicName)?.[partition];
      if (offset !== undefined && offset < low) low = offset;
    }
    log.releaseBelow(low);
  }

  private backoff(attempt: number): number {
    const base = Math.min(this.retryMaxMs, this.retryInitialMs * 2 ** (attempt - 1));
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }
}

const describeError = (error: unknown): string => {
  if (error instanceof Error) return error.message;
  try {
    return JSON.stringify(error);
  } catch {
    return String(error);
  }
};
