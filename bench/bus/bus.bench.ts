/**
 * Bus benchmark: request-reply latency and event throughput, Kafka and in-process in one run.
 *
 *   node -r ./tools/jest/register-ts.js bench/bus/bus.bench.ts
 *
 * Kafka is taken from KAFKA_BROKERS or deploy/local/.state/urls.env and skipped when absent. Bounded:
 * REQUESTS sequential requests (one in flight, after a warm-up) and EVENTS keyed events published in
 * relay-sized batches and consumed by one group; each phase stops at its deadline and reports what it did.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Controller, type INestMicroservice, Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  ClientProxyFactory,
  EventPattern,
  MessagePattern,
  type MicroserviceOptions,
  Payload,
} from '@nestjs/microservices';
import { Kafka, logLevel } from 'kafkajs';
import { lastValueFrom, timeout } from 'rxjs';
import {
  type BusClient,
  InProcessBroker,
  InProcessBusClient,
  busRecord,
  ensureTopics,
  inProcessServerOptions,
  kafkaClientOptions,
  kafkaServerOptions,
  replyTopicOf,
} from '../../libs/eventing/src/bus';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2_000);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const BATCH = 200;
const KEYS = 100;
const PHASE_DEADLINE_MS = 30_000;

interface Transport {
  name: string;
  server(groupId: string): MicroserviceOptions;
  client(requestPatterns: string[]): BusClient;
  createTopics(topics: string[]): Promise<void>;
  close(): Promise<void>;
}

interface Result {
  transport: string;
  requests: number;
  p50: number;
  p99: number;
  events: number;
  publishSeconds: number;
  eventsPerSecond: number;
}

const kafkaBrokers = (): string[] | undefined => {
  let list = process.env.KAFKA_BROKERS;
  const file = join(__dirname, '../../deploy/local/.state/urls.env');
  if (!list && existsSync(file)) list = /^KAFKA_BROKERS=(.+)$/m.exec(readFileSync(file, 'utf8'))?.[1]?.trim();
  return list ? list.split(',') : undefined;
};

const run = Date.now().toString(36);

const handlers = (requestTopic: string, eventTopic: string, onEvent: () => void): Type => {
  @Controller()
  class BenchHandlers {
    @MessagePattern(requestTopic)
    echo(@Payload() data: { i: number }) {
      return { i: data.i };
    }

    @EventPattern(eventTopic)
    count() {
      onEvent();
    }
  }
  @Module({ controllers: [BenchHandlers] })
  class BenchModule {}
  return BenchModule;
};

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

const bench = async (transport: Transport): Promise<Result> => {
  const requestTopic = `bench.rr.${run}`;
  const eventTopic = `bench.events.${run}`;
  await transport.createTopics([requestTopic, eventTopic]);
  let consumed = 0;
  let allConsumed = () => {};
  const done = new Promise<void>((resolve) => (allConsumed = resolve));
  const app: INestMicroservice = await NestFactory.createMicroservice(
    handlers(requestTopic, eventTopic, () => ++consumed === EVENTS && allConsumed()),
    { ...transport.server(`bench-${run}`), logger: ['error'] },
  );
  await app.listen();
  const client = transport.client([requestTopic]);
  await client.connect();
  try {
    const ask = (i: number) => lastValueFrom(client.send(requestTopic, { i }).pipe(timeout(10_000)));
    for (let i = 0; i < 100; i++) await ask(i);
    const latencies: number[] = [];
    const rrDeadline = Date.now() + PHASE_DEADLINE_MS;
    for (let i = 0; i < REQUESTS && Date.now() < rrDeadline; i++) {
      const t0 = performance.now();
      await ask(i);
      latencies.push(performance.now() - t0);
    }
    latencies.sort((a, b) => a - b);

    const t0 = performance.now();
    for (let sent = 0; sent < EVENTS; sent += BATCH) {
      const messages = Array.from({ length: Math.min(BATCH, EVENTS - sent) }, (_, j) =>
        busRecord(`stream-${(sent + j) % KEYS}`, { n: sent + j }),
      );
      await lastValueFrom(client.emitBatch(eventTopic, { messages }), { defaultValue: undefined });
    }
    const publishSeconds = (performance.now() - t0) / 1000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise((resolve) => (timer = setTimeout(resolve, PHASE_DEADLINE_MS)))]);
    clearTimeout(timer);
    const seconds = (performance.now() - t0) / 1000;
    return {
      transport: transport.name,
      requests: latencies.length,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      events: consumed,
      publishSeconds,
      eventsPerSecond: consumed / seconds,
    };
  } finally {
    await client.close();
    await app.close();
    await transport.close();
  }
};

const inProcess = (): Transport => {
  const broker = new InProcessBroker();
  return {
    name: 'in-process',
    server: (groupId) => inProcessServerOptions({ broker, groupId }),
    client: (patterns) => {
      const client = new InProcessBusClient({ broker });
      patterns.forEach((p) => client.subscribeToResponseOf(p));
      return client;
    },
    createTopics: async (topics) => topics.forEach((t) => broker.createTopic(t, 3)),
    close: () => broker.close(),
  };
};

const kafka = (brokers: string[]): Transport => {
  const created: string[] = [];
  const cfg = {
    brokers,
    clientId: 'bench',
    groupId: `bench-client-${run}`,
    fetchMaxWaitMs: 100,
    heartbeatIntervalMs: 500,
    sessionTimeoutMs: 6_000,
    logLevel: logLevel.ERROR,
  };
  return {
    name: `kafka (${brokers.join(',')})`,
    server: (groupId) => kafkaServerOptions({ ...cfg, groupId }),
    client: (patterns) => {
      const client = ClientProxyFactory.create(kafkaClientOptions(cfg)) as unknown as BusClient;
      patterns.forEach((p) => client.subscribeToResponseOf(p));
      return client;
    },
    createTopics: async (topics) => {
      created.push(...topics);
      await ensureTopics(brokers, topics, 3);
    },
    // The broker outlives the bench: drop its topics, reply topics included.
    close: async () => {
      const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      const existing = new Set(await admin.listTopics());
      await admin.deleteTopics({
        topics: created.flatMap((t) => [t, replyTopicOf(t)]).filter((t) => existing.has(t)),
      });
      await admin.disconnect();
    },
  };
};

const main = async () => {
  const brokers = kafkaBrokers();
  const transports = [inProcess(), ...(brokers ? [kafka(brokers)] : [])];
  const results: Result[] = [];
  for (const transport of transports) results.push(await bench(transport));
  const f = (n: number, digits = 2) => n.toFixed(digits);
  console.log(
    `\nBus benchmark (node ${process.version}; ${REQUESTS} sequential requests after 100 warm-up; ${EVENTS} keyed events over ${KEYS} keys in batches of ${BATCH}, one consumer group, 3 partitions)\n`,
  );
  // Baseline: the in-process transport measured in this same run (always first). Latency ratios > 1× mean slower,
  // the throughput ratio < 1× means slower.
  const base = results[0]!;
  const x = (ratio: number) => `${ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(2)}×`;
  console.log(
    '| transport | requests | request-reply p50 (ms) | p99 (ms) | p50 × in-process | p99 × in-process | events consumed | publish time (s) | events/s published+consumed | events/s × in-process |',
  );
  console.log('| --- | --: | --: | --: | --: | --: | --: | --: | --: | --: |');
  for (const r of results) {
    console.log(
      `| ${r.transport} | ${r.requests} | ${f(r.p50, 3)} | ${f(r.p99, 3)} | ${x(r.p50 / base.p50)} | ${x(r.p99 / base.p99)} | ${r.events} | ${f(r.publishSeconds)} | ${f(r.eventsPerSecond, 0)} | ${x(r.eventsPerSecond / base.eventsPerSecond)} |`,
    );
  }
  if (!brokers) console.log('\nKafka skipped: set KAFKA_BROKERS or start deploy/local/up kafka.');
};

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
