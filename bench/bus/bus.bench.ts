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
/** Concurrent request-reply: this many requests with CONCURRENCY in flight, for CPU per request. */
const CONCURRENT_REQUESTS = Number(process.env.BENCH_CONCURRENT_REQUESTS ?? 20_000);
const CONCURRENCY = 16;
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
  /** Concurrent phase: requests answered, their rate, and this process's CPU (client + handler) per request. */
  concurrentRequests: number;
  concurrentPerSecond: number;
  cpuMicrosPerRequest: number;
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
    // Returns a payload shaped like a gateway request's reply: a dozen short fields (an account's size).
    @MessagePattern(requestTopic)
    echo(@Payload() data: { i: number; meta?: unknown }) {
      return { ...REPLY, i: data.i };
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

/** What the gateway sends with every request (`meta`), and a reply of an account's size. */
const META = {
  correlationId: 'bench-0000-0000',
  ip: '127.0.0.1',
  actor: { kind: 'user', id: 'user-bench123456' },
};
const REPLY = {
  id: 'user-bench123456',
  username: 'bench-user',
  email: 'bench@example.org',
  isServiceAccount: false,
  isAdmin: false,
  isSuspended: false,
  twoFactor: { enabled: false, verified: false },
  unconfirmedEmail: null,
  createdAt: '2026-12-06T00:00:00.000Z',
  permissions: { canCreateOrganizations: true, canChangeEmail: true, canChangeUsername: true },
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
    const ask = (i: number) =>
      lastValueFrom(client.send(requestTopic, { i, meta: META }).pipe(timeout(10_000)));
    for (let i = 0; i < 100; i++) await ask(i);
    const latencies: number[] = [];
    const rrDeadline = Date.now() + PHASE_DEADLINE_MS;
    for (let i = 0; i < REQUESTS && Date.now() < rrDeadline; i++) {
      const t0 = performance.now();
      await ask(i);
      latencies.push(performance.now() - t0);
    }
    latencies.sort((a, b) => a - b);

    // CONCURRENCY requests in flight, as a gateway under load sends them: CPU of this process per request.
    let issued = 0;
    let answered = 0;
    const ccDeadline = Date.now() + PHASE_DEADLINE_MS;
    const cpu0 = process.cpuUsage();
    const cc0 = performance.now();
    // No rxjs `timeout` per request here (its scheduler would be most of what is measured, and the gateway's
    // ServiceClient uses a plain timer): one watchdog for the whole phase instead.
    const askPlain = (i: number) => lastValueFrom(client.send(requestTopic, { i, meta: META }));
    let watchdog: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (issued < CONCURRENT_REQUESTS && Date.now() < ccDeadline) {
            await askPlain(issued++);
            answered++;
          }
        }),
      ),
      new Promise((_, reject) => {
        watchdog = setTimeout(
          () =>
            reject(new Error(`${transport.name}: concurrent requests still unanswered after the deadline`)),
          PHASE_DEADLINE_MS + 10_000,
        );
      }),
    ]);
    clearTimeout(watchdog);
    const ccSeconds = (performance.now() - cc0) / 1000;
    const cpu = process.cpuUsage(cpu0);

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
      concurrentRequests: answered,
      concurrentPerSecond: answered / ccSeconds,
      cpuMicrosPerRequest: (cpu.user + cpu.system) / Math.max(1, answered),
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
    `\nBus benchmark (node ${process.version}; ${REQUESTS} sequential requests after 100 warm-up, then ${CONCURRENT_REQUESTS} with ${CONCURRENCY} in flight; ${EVENTS} keyed events over ${KEYS} keys in batches of ${BATCH}, one consumer group, 3 partitions)\n`,
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
  // CPU is this Node process's (client and handler); on Kafka the broker's JVM works on top of it, unmeasured here.
  console.log(
    `\n| transport | requests, ${CONCURRENCY} in flight | requests/s | CPU µs/request (client + handler process) | requests/s × in-process | CPU/request × in-process |`,
  );
  console.log('| --- | --: | --: | --: | --: | --: |');
  for (const r of results) {
    console.log(
      `| ${r.transport} | ${r.concurrentRequests} | ${f(r.concurrentPerSecond, 0)} | ${f(r.cpuMicrosPerRequest, 1)} | ${x(r.concurrentPerSecond / base.concurrentPerSecond)} | ${x(r.cpuMicrosPerRequest / base.cpuMicrosPerRequest)} |`,
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
