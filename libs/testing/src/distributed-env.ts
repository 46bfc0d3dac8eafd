import { randomBytes } from 'node:crypto';
import { uniqueName } from './describe-with-infra';
import type { InfraUrls } from './describe-with-infra';
import { createPostgresDatabase } from './postgres';

export interface DistributedTestEnv {
  /** Environment for processes (or `loadInfraConfig`) of one distributed deployment under test. */
  env: Record<string, string>;
  /** Drops what `distributedTestEnv` created. */
  cleanup(): Promise<void>;
}

/**
 * A private distributed deployment on the shared test servers: a fresh PostgreSQL database, a fresh MongoDB
 * database, its own Kafka topic namespace (so no other suite answers its requests), its own secret keys, and a
 * short Kafka session timeout so a restarted process takes over its partitions quickly.
 */
export const distributedTestEnv = async (infra: InfraUrls, name: string): Promise<DistributedTestEnv> => {
  const database = await createPostgresDatabase(infra.postgres!, name);
  const mongo = new URL(infra.mongo!);
  mongo.pathname = `/${uniqueName(name)}`;
  return {
    env: {
      EVENT_STORE_URL: database.url,
      KAFKA_BROKERS: infra.kafka!,
      MONGO_URL: mongo.toString(),
      KAFKA_TOPIC_PREFIX: `${uniqueName(name)}.`,
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      SECRET_KEYS: randomBytes(32).toString('base64'),
    },
    cleanup: () => database.drop(),
  };
};
