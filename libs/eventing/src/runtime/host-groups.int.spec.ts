import { randomBytes } from 'node:crypto';
import { Controller, type DynamicModule, Module } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { describeWithInfra, uniqueName, waitFor } from '@idp/testing';
import { Kafka, logLevel } from 'kafkajs';
import { lastValueFrom } from 'rxjs';
import type { BusClient } from '../bus/bus-client';
import { busRecord } from '../bus/bus-record';
import { loadInfraConfig } from '../config/infra-config';
import { BUS_CLIENT, startHost } from './host';

// How startHost names and uses consumer groups on Kafka: namespaced by KAFKA_TOPIC_PREFIX like the topics; with
// `groupPerProcess`, one group per process (every process sees every event, from its start), deleted at close.
describeWithInfra(['kafka'], 'host consumer groups on Kafka', (infra) => {
  const TOPIC = 'fanout.events';
  const received = new Map<string, number[]>();

  /** A module whose one event handler records what process `name` received. */
  const recorder = (name: string): DynamicModule => {
    received.set(name, []);
    @Controller()
    class Recorder {
      @EventPattern(TOPIC)
      record(@Payload() value: { n: number }) {
        received.get(name)!.push(value.n);
      }
    }
    @Module({ controllers: [Recorder] })
    class RecorderModule {}
    return { module: RecorderModule };
  };

  const groups = async (): Promise<Map<string, number>> => {
    const admin = new Kafka({ brokers: infra().kafka!.split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const ids = (await admin.listGroups()).groups.map((g) => g.groupId);
      const described = await admin.describeGroups(ids);
      return new Map(described.groups.map((g) => [g.groupId, g.members.length]));
    } finally {
      await admin.disconnect();
    }
  };

  it('prefixes the group; per-process groups fan out from their start and are deleted at close', async () => {
    const prefix = `${uniqueName('hostgroups')}.`;
    const base = uniqueName('probe');
    const env = {
      PORT: '0',
      HOST: '127.0.0.1',
      EVENT_STORE_URL: 'pglite://memory',
      KAFKA_BROKERS: infra().kafka!,
      KAFKA_TOPIC_PREFIX: prefix,
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      SECRET_KEYS: randomBytes(32).toString('base64'),
    };
    const apps: NestFastifyApplication[] = [];
    const start = async (name: string, groupPerProcess: boolean) => {
      const app = await startHost({
        process: name,
        services: [],
        modules: [recorder(name)],
        consumerGroup: base,
        groupPerProcess,
        config: loadInfraConfig(env),
      });
      apps.push(app);
      return app;
    };
    try {
      const shared = await start('shared', false);
      const bus = shared.get<BusClient>(BUS_CLIENT);
      await lastValueFrom(bus.emit(TOPIC, busRecord('k0', { n: 0 })), { defaultValue: undefined });
      const one = await start('one', true);
      await start('two', true);
      for (let n = 1; n <= 4; n++)
        await lastValueFrom(bus.emit(TOPIC, busRecord(`k${n}`, { n })), { defaultValue: undefined });

      await waitFor(
        () =>
          ['one', 'two'].every((p) => received.get(p)!.length === 4) && received.get('shared')!.length === 5,
        20_000,
        20,
        'every process received its events',
      );
      const sorted = (p: string) => [...received.get(p)!].sort((x, y) => x - y);
      expect(sorted('shared')).toEqual([0, 1, 2, 3, 4]); // a service's group: from the earliest
      expect(sorted('one')).toEqual([1, 2, 3, 4]); // per process: everything since it started, nothing older
      expect(sorted('two')).toEqual([1, 2, 3, 4]);

      const mine = [...(await groups())].filter(([g]) => g.startsWith(`${prefix}${base}`));
      const names = mine.map(([g]) => g);
      expect(names).toContain(`${prefix}${base}`); // the shared group, namespaced
      expect(mine.some(([g]) => g === base)).toBe(false);
      const escaped = `${prefix}${base}`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const perProcess = names.filter((g) => new RegExp(`^${escaped}\\..+\\.\\d+\\.[0-9a-f]{8}$`).test(g));
      expect(perProcess).toHaveLength(2);

      await one.close();
      apps.splice(apps.indexOf(one), 1);
      const after = await groups();
      expect(perProcess.filter((g) => after.has(g))).toHaveLength(1);
      expect(after.has(`${prefix}${base}`)).toBe(true); // a service's group is kept
    } finally {
      for (const app of apps) await app.close();
      const admin = new Kafka({ brokers: infra().kafka!.split(','), logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      try {
        const left = (await admin.listGroups()).groups
          .map((g) => g.groupId)
          .filter((g) => g.startsWith(prefix));
        await admin.deleteGroups(left).catch(() => undefined);
        const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
        if (topics.length > 0) await admin.deleteTopics({ topics });
      } finally {
        await admin.disconnect();
      }
    }
  }, 120_000);
});
