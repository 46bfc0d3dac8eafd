import { type Admin, Kafka, logLevel } from 'kafkajs';
import { InvalidTopicName } from '../bus.errors';
import { isValidTopicName } from '../bus-record';

/** A topic to create when missing. Config entries are Kafka topic configs (`retention.ms`, …). */
export interface TopicSpec {
  topic: string;
  partitions?: number;
  configEntries?: Array<{ name: string; value: string }>;
}

/** How `ensureTopics` creates topics. */
export interface EnsureTopicsOptions {
  /** -1 (default) takes the broker's `default.replication.factor`. */
  replicationFactor?: number;
}

/** Something that can open a kafkajs admin: a kafkajs `Kafka` or the broker list to connect to. */
export type KafkaAdminSource = string[] | { admin(): Admin };

/**
 * Creates the topics that do not exist yet with `partitions` partitions (a spec may override it) and waits
 * until they have leaders, so a consumer subscribing right after sees all partitions. Existing topics are
 * left alone, whatever their partition count. Safe to call concurrently from several processes (a topic
 * created by someone else meanwhile is not an error). Returns the names it created.
 *
 * Why it exists: a kafkajs consumer subscribing to a missing topic either fails (auto-creation off, the
 * production setting) or races the broker's auto-creation and may start with no partitions of it; a
 * Nest Kafka client whose reply topic is missing gets no partition assigned and every `send` fails with
 * InvalidKafkaClientTopicException.
 * Throws `InvalidTopicName`, and kafkajs errors when the cluster refuses or cannot be reached.
 */
export const ensureTopics = async (
  source: KafkaAdminSource,
  topics: ReadonlyArray<string | TopicSpec>,
  partitions = 3,
  options: EnsureTopicsOptions = {},
): Promise<string[]> => {
  const specs = new Map<string, TopicSpec>();
  for (const t of topics) {
    const spec = typeof t === 'string' ? { topic: t } : t;
    if (!isValidTopicName(spec.topic)) throw new InvalidTopicName(spec.topic);
    if (!specs.has(spec.topic)) specs.set(spec.topic, spec);
  }
  if (specs.size === 0) return [];
  const admin = Array.isArray(source)
    ? new Kafka({ brokers: source, clientId: 'idp-bus-admin', logLevel: logLevel.WARN }).admin()
    : source.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = [...specs.values()].filter((s) => !existing.has(s.topic));
    if (missing.length === 0) return [];
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((s) => ({
        topic: s.topic,
        numPartitions: s.partitions ?? partitions,
        replicationFactor: options.replicationFactor ?? -1,
        configEntries: s.configEntries,
      })),
    });
    return missing.map((s) => s.topic);
  } finally {
    await admin.disconnect();
  }
};
