import { Controller, type INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientProxyFactory, EventPattern, Payload } from '@nestjs/microservices';
import { describeWithInfra, uniqueName, waitFor } from '@idp/testing';
import { Kafka, logLevel } from 'kafkajs';
import { lastValueFrom } from 'rxjs';
import type { BusClient } from '../bus-client';
import { busRecord } from '../bus-record';
import {
  instanceGroupId,
  type KafkaBusConfig,
  kafkaClientOptions,
  kafkaServerOptions,
} from './kafka-bus.options';
import { ensureTopics } from './kafka-topics';

const testConfig = (brokers: string[], groupId: string): KafkaBusConfig => ({
  brokers,
  clientId: 'fan-out',
  groupId,
  sessionTimeoutMs: 6_000,
  heartbeatIntervalMs: 300,
  rebalanceTimeoutMs: 10_000,
  fetchMaxWaitMs: 100,
  retry: { initialRetryTime: 100, maxRetryTime: 1_000, retries: 10 },
  logLevel: process.env.BUS_TEST_LOGS ? logLevel.INFO : logLevel.NOTHING,
});

/**
 * Per-process consumer groups (the gateway's credential eviction): every process receives every event, from
 * the moment it started, and leaves no group behind when it closes cleanly.
 */
describeWithInfra(['kafka'], 'Kafka bus, a consumer group per process', (infra) => {
  const brokers = () => infra().kafka!.split(',');
  const admin = () => new Kafka({ brokers: brokers(), logLevel: logLevel.NOTHING }).admin();

  const groupsOnBroker = async (): Promise<Set<string>> => {
    const a = admin();
    await a.connect();
    try {
      return new Set((await a.listGroups()).groups.map((g) => g.groupId));
    } finally {
      await a.disconnect();
    }
  };

  it("each per-process group sees every event published after it started, none before; 'earliest' sees all", async () => {
    const topic = uniqueName('fanout.events');
    await ensureTopics(brokers(), [topic], 3);
    const received = new Map<string, number[]>();
    const apps: INestMicroservice[] = [];
    const client = ClientProxyFactory.create(
      kafkaClientOptions(testConfig(brokers(), uniqueName('fanout-client'))),
    ) as unknown as BusClient;

    const start = async (name: string, cfg: Partial<KafkaBusConfig>) => {
      received.set(name, []);
      @Controller()
      class Recorder {
        @EventPattern(topic)
        record(@Payload() value: { n: number }) {
          received.get(name)!.push(value.n);
        }
      }
      @Module({ controllers: [Recorder] })
      class RecorderModule {}
      const app = await NestFactory.createMicroservice(RecorderModule, {
        ...kafkaServerOptions({ ...testConfig(brokers(), 'unused'), ...cfg }),
        logger: false,
      });
      apps.push(app);
      await app.listen();
      return app;
    };
    const publish = async (n: number) =>
      lastValueFrom(client.emit(topic, busRecord(`key-${n}`, { n })), { defaultValue: undefined });

    const base = uniqueName('fanout');
    const groups = {
      a: instanceGroupId(base, { hostname: 'host-a' }),
      b: instanceGroupId(base, { hostname: 'host-b' }),
      replay: uniqueName('fanout-replay'),
    };
    try {
      await client.connect();
      await publish(0); // before any consumer: history
      const a = await start('a', { groupId: groups.a, eventsFrom: 'latest', deleteGroupOnClose: true });
      await start('b', { groupId: groups.b, eventsFrom: 'latest', deleteGroupOnClose: true });
      await start('replay', { groupId: groups.replay });
      // listen() resolved after the first fetch fixed the start offset: nothing published from now on is missed.
      for (let n = 1; n <= 6; n++) await publish(n);

      await waitFor(
        () => [...received.values()].every((ns) => ns.filter((n) => n > 0).length === 6),
        20_000,
        20,
        'every group received events 1..6',
      );
      const sorted = (name: string) => [...received.get(name)!].sort((x, y) => x - y);
      expect(sorted('a')).toEqual([1, 2, 3, 4, 5, 6]);
      expect(sorted('b')).toEqual([1, 2, 3, 4, 5, 6]);
      await waitFor(() => received.get('replay')!.includes(0), 20_000, 20, 'the replaying group got event 0');
      expect(sorted('replay')).toEqual([0, 1, 2, 3, 4, 5, 6]);

      // A clean close deletes a per-process group; the others stay while they run, and a service's group stays.
      expect((await groupsOnBroker()).has(groups.a)).toBe(true);
      await a.close();
      apps.splice(apps.indexOf(a), 1);
      const after = await groupsOnBroker();
      expect(after.has(groups.a)).toBe(false);
      expect(after.has(groups.b)).toBe(true);
      for (const app of apps.splice(0)) await app.close();
      const left = await groupsOnBroker();
      expect([groups.a, groups.b, groups.replay].filter((g) => left.has(g))).toEqual([groups.replay]);
    } finally {
      await client.close();
      for (const app of apps) await app.close();
      const cleanup = admin();
      await cleanup.connect();
      try {
        await cleanup.deleteGroups([groups.replay]).catch(() => undefined);
        await cleanup.deleteTopics({ topics: [topic] });
      } finally {
        await cleanup.disconnect();
      }
    }
  }, 90_000);
});
