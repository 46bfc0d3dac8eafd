import { ClientProxyFactory } from '@nestjs/microservices';
import { describeWithInfra, uniqueName } from '@idp/testing';
import { Kafka, logLevel } from 'kafkajs';
import type { BusClient } from '../bus-client';
import { replyTopicOf } from '../bus-record';
import { describeBusContract } from '../bus.contract';
import { type KafkaBusConfig, kafkaClientOptions, kafkaServerOptions } from './kafka-bus.options';
import { ensureTopics } from './kafka-topics';

// Short session and heartbeat (the broker's minimum session is 6 s) so joins and leaves rebalance in well
// under a second; a short fetch wait so closing a consumer does not wait out a long poll.
const testConfig = (brokers: string[], groupId: string): KafkaBusConfig => ({
  brokers,
  clientId: 'bus-contract',
  groupId,
  sessionTimeoutMs: 6_000,
  heartbeatIntervalMs: 300,
  rebalanceTimeoutMs: 10_000,
  fetchMaxWaitMs: 100,
  retry: { initialRetryTime: 100, maxRetryTime: 1_000, retries: 10 },
  logLevel: process.env.BUS_TEST_LOGS ? logLevel.INFO : logLevel.NOTHING,
});

describeWithInfra(['kafka'], 'Kafka bus', (infra) => {
  const brokers = () => infra().kafka!.split(',');

  describeBusContract('kafka', () => {
    const created: string[] = [];
    return {
      serverOptions: (groupId) => kafkaServerOptions(testConfig(brokers(), groupId)),
      client: (patterns) => {
        const client = ClientProxyFactory.create(
          kafkaClientOptions(testConfig(brokers(), uniqueName('client'))),
        ) as unknown as BusClient;
        for (const pattern of patterns) client.subscribeToResponseOf(pattern);
        return client;
      },
      createTopics: async (topics, partitions) => {
        created.push(...topics);
        await ensureTopics(brokers(), topics, partitions);
      },
      uniqueName,
      deliveryTimeoutMs: 20_000,
      // The broker outlives the run: drop this run's topics (reply topics too) so they do not pile up.
      close: async () => {
        const admin = new Kafka({ brokers: brokers(), logLevel: logLevel.NOTHING }).admin();
        await admin.connect();
        try {
          const existing = new Set(await admin.listTopics());
          const topics = created.flatMap((t) => [t, replyTopicOf(t)]).filter((t) => existing.has(t));
          if (topics.length > 0) await admin.deleteTopics({ topics });
        } finally {
          await admin.disconnect();
        }
      },
    };
  });

  describe('ensureTopics', () => {
    it('creates only the missing topics, with the requested partitions, and is idempotent', async () => {
      const [a, b] = [uniqueName('ensure'), uniqueName('ensure')];

      await expect(ensureTopics(brokers(), [a], 2)).resolves.toEqual([a]);
      await expect(ensureTopics(brokers(), [a, { topic: b, partitions: 1 }], 5)).resolves.toEqual([b]);
      await expect(ensureTopics(brokers(), [a, b])).resolves.toEqual([]);

      const admin = new Kafka({ brokers: brokers(), logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      try {
        const { topics } = await admin.fetchTopicMetadata({ topics: [a, b] });
        expect(Object.fromEntries(topics.map((t) => [t.name, t.partitions.length]))).toEqual({
          [a]: 2,
          [b]: 1,
        });
      } finally {
        await admin.deleteTopics({ topics: [a, b] });
        await admin.disconnect();
      }
    });
  });
});

describeWithInfra(['kafka'], 'Kafka bus topic namespaces', (infra) => {
  it('keeps deployments that share a cluster apart: each answers only the requests of its own prefix', async () => {
    const { NestFactory } = await import('@nestjs/core');
    const { Controller, Module } = await import('@nestjs/common');
    const { MessagePattern } = await import('@nestjs/microservices');
    const { firstValueFrom, timeout } = await import('rxjs');
    const brokers = infra().kafka!.split(',');
    const pattern = uniqueName('ns.ask');
    const apps: Array<{ close(): Promise<void> }> = [];
    const clients: BusClient[] = [];
    try {
      for (const name of ['blue', 'green']) {
        @Controller()
        class Answer {
          @MessagePattern(pattern)
          answer() {
            return { from: name };
          }
        }
        @Module({ controllers: [Answer] })
        class AnswerModule {}
        const app = await NestFactory.createMicroservice(AnswerModule, {
          ...kafkaServerOptions({
            ...testConfig(brokers, uniqueName(name)),
            topicPrefix: `${name}-${pattern}.`,
          }),
          logger: false,
        });
        apps.push(app);
        await app.listen();
      }
      for (const name of ['blue', 'green']) {
        const client = ClientProxyFactory.create(
          kafkaClientOptions({
            ...testConfig(brokers, uniqueName('client')),
            topicPrefix: `${name}-${pattern}.`,
          }),
        ) as unknown as BusClient;
        client.subscribeToResponseOf(pattern);
        await client.connect();
        clients.push(client);
        for (let i = 0; i < 3; i++)
          expect(await firstValueFrom(client.send(pattern, {}).pipe(timeout(20_000)))).toEqual({
            from: name,
          });
      }
    } finally {
      for (const c of clients) await c.close();
      for (const a of apps) await a.close();
    }
  }, 60_000);
});
