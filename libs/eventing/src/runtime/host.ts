import {
  type BeforeApplicationShutdown,
  type DynamicModule,
  Global,
  Inject,
  Injectable,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
  type Type,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientProxyFactory, type CustomStrategy } from '@nestjs/microservices';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { Gauge, type Registry } from 'prom-client';
import type { BusClient } from '../bus/bus-client';
import { BusEventPublisher } from '../bus/bus-event.publisher';
import { InProcessBroker } from '../bus/in-process/in-process.broker';
import { inProcessClientOptions, inProcessServerOptions } from '../bus/in-process/in-process-bus.options';
import { instanceGroupId, kafkaClientOptions, kafkaServerOptions } from '../bus/kafka/kafka-bus.options';
import { ConfigError, type InfraConfig, loadInfraConfig } from '../config/infra-config';
import { assertReachable } from '../config/reachability';
import { NotifyingEventStore } from '../projection/notifying-event.store';
import { EventRelay } from '../relay/event-relay';
import { boot, exitOnSignals } from './boot';
import { loggingModule } from './logging';
import { METRICS_REGISTRY } from './ops.controller';
import { OpsModule } from './ops.module';
import { ReadinessRegistry } from './readiness';
import type { HostedService } from './service-infrastructure';
import {
  openServiceResources,
  openSharedResources,
  type ServiceResources,
  type SharedResources,
} from './service-resources';

/** Token of the process's bus client (Kafka or in-process): what the gateway and process managers send through. */
export const BUS_CLIENT = 'BUS_CLIENT';
const HOSTED = Symbol('HOSTED');

type Need = 'eventStore' | 'kafka' | 'mongo';
const SETTING: Record<Need, string> = {
  eventStore: 'EVENT_STORE_URL',
  kafka: 'KAFKA_BROKERS',
  mongo: 'MONGO_URL',
};

export interface HostOptions {
  /** Process name: logs, metrics, Kafka client id (`platform`, `identity`, `gateway`). */
  process: string;
  /** Services run in this process, each with its own infrastructure and relay. */
  services: HostedService[];
  /** Other modules (the gateway). */
  modules?: Array<Type<unknown> | DynamicModule>;
  /**
   * Consumer group of this process: one per service, shared by its replicas (`platform` when embedded). On Kafka it
   * is namespaced like the topics: `KAFKA_TOPIC_PREFIX` + this (two deployments sharing a cluster under different
   * prefixes must not share groups: kafkajs assigns a group's partitions across all its members whatever each
   * subscribed to, so one deployment's requests would be handed to the other's processes and never answered).
   */
  consumerGroup: string;
  /**
   * Kafka only. `false` (default): the replicas of this process share `consumerGroup` — each event is handled by one
   * of them — and a new group starts at the earliest retained event (services: nothing published before their first
   * start is lost). `true`: each process consumes in a group of its own, `<group>.<host>.<pid>.<random>`,
   * so that **every** replica receives **every** event (fan-out), starting at the latest offset (older events mean
   * nothing to state that starts empty, and a fresh group from the earliest would replay the whole history at every
   * boot); the group is deleted when the process shuts down cleanly (a crashed process's group expires after the
   * broker's `offsets.retention.minutes`). For per-replica in-memory state: the gateway's credential cache.
   * Embedded, the in-process bus already hands every event to every handler of the one process.
   */
  groupPerProcess?: boolean;
  /** What a distributed process cannot run without: each must be configured explicitly, or it refuses to start. */
  needs?: Need[];
  /** Default: `loadInfraConfig()` (the environment). */
  config?: InfraConfig;
  /**
   * Checks of the hosted modules' own settings (e.g. `loadGatewayConfig`), run with the infrastructure checks,
   * before anything is opened: a `ConfigError` thrown here stops the process with one line, like any other.
   */
  preflight?: Array<() => unknown>;
}

interface Hosted {
  services: Array<{ hosted: HostedService; resources: ServiceResources }>;
  shared: SharedResources;
}

/** A process refuses to start half-configured: each thing it needs must be configured explicitly. */
export const requireSettings = (config: InfraConfig, needs: Need[]): void => {
  for (const need of needs) {
    const missing =
      (need === 'eventStore' && config.eventStore.kind === 'pglite') ||
      (need === 'kafka' && !config.kafkaBrokers) ||
      (need === 'mongo' && !config.mongoUrl);
    if (missing) throw new ConfigError(SETTING[need], 'is required in distributed mode');
  }
};

@Injectable()
class HostLifecycle
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly relays: EventRelay[];

  constructor(
    @Inject(HOSTED) private readonly hosted: Hosted,
    @Inject(BUS_CLIENT) private readonly bus: BusClient,
    private readonly readiness: ReadinessRegistry,
    @Inject(METRICS_REGISTRY) metrics: Registry,
  ) {
    const publisher = new BusEventPublisher(bus);
    this.relays = hosted.services
      .filter(({ hosted }) => hosted.topic)
      .map(({ hosted, resources }) => {
        const store = resources.infra.eventStore;
        const relay = new EventRelay(
          { events: store, checkpoints: resources.relayCheckpoints, publisher },
          { topic: hosted.topic!, select: hosted.select },
        );
        if (store instanceof NotifyingEventStore) store.subscribe(relay);
        return relay;
      });
    const relays = this.relays;
    new Gauge({
      name: 'relay_lag_events',
      help: 'Events in a service store not yet published to its topic',
      labelNames: ['topic'],
      registers: [metrics],
      async collect() {
        for (const s of await Promise.all(relays.map((r) => r.status())))
          this.set({ topic: s.topic }, Number(s.lag));
      },
    });
  }

  onModuleInit() {
    for (const { hosted, resources } of this.hosted.services) {
      const store = resources.infra.eventStore;
      this.readiness.register({
        name: `event-store:${hosted.name}`,
        check: async () => void (await store.headPosition()),
      });
    }
    const { mongo } = this.hosted.shared;
    if (mongo)
      this.readiness.register({ name: 'mongo', check: async () => void (await mongo.db!.admin().ping()) });
    this.readiness.register({ name: 'bus', check: async () => void (await this.bus.connect()) });
  }

  async onApplicationBootstrap() {
    await Promise.all(this.relays.map((r) => r.start()));
  }

  /** SIGTERM: unready first, then the relays stop (a batch published but not checkpointed is published again later). */
  async beforeApplicationShutdown() {
    this.readiness.startDraining();
    await Promise.all(this.relays.map((r) => r.stop()));
  }

  async onApplicationShutdown() {
    await this.bus.close();
    for (const { resources } of this.hosted.services) await resources.close();
    await this.hosted.shared.close();
  }
}

@Global()
@Module({})
class HostModule {}

/**
 * Builds and starts a process from the configuration — the same code for every mode: the embedded platform
 * (all services, PGlite, in-process bus, in-memory read models) and each distributed service (its own process,
 * PostgreSQL/KurrentDB, Kafka, MongoDB) differ only in `HostOptions` and the environment.
 * Configuration is checked first; a problem throws `ConfigError` before anything listens.
 */
export const startHost = async (options: HostOptions): Promise<NestFastifyApplication> => {
  const config = options.config ?? loadInfraConfig();
  requireSettings(config, options.needs ?? []);
  for (const check of options.preflight ?? []) check();
  await assertReachable(config);

  const shared = await openSharedResources(config);
  const services: Hosted['services'] = [];
  try {
    for (const hosted of options.services)
      services.push({ hosted, resources: await openServiceResources(config, hosted.name, shared) });
  } catch (err) {
    for (const { resources } of services) await resources.close().catch(() => undefined);
    await shared.close();
    throw err;
  }

  let server: CustomStrategy;
  let client: BusClient;
  let group = options.consumerGroup;
  if (config.kafkaBrokers) {
    group = `${config.kafkaTopicPrefix ?? ''}${options.consumerGroup}`;
    if (options.groupPerProcess) group = instanceGroupId(group);
    const kafka = {
      brokers: config.kafkaBrokers,
      clientId: options.process,
      groupId: group,
      eventsFrom: options.groupPerProcess ? ('latest' as const) : ('earliest' as const),
      deleteGroupOnClose: options.groupPerProcess ?? false,
      sessionTimeoutMs: config.kafkaSessionTimeoutMs,
      heartbeatIntervalMs: config.kafkaSessionTimeoutMs && Math.floor(config.kafkaSessionTimeoutMs / 6),
      topicPrefix: config.kafkaTopicPrefix,
      topics: options.services.flatMap((s) => (s.topic ? [s.topic] : [])),
    };
    server = kafkaServerOptions(kafka);
    client = ClientProxyFactory.create(kafkaClientOptions(kafka)) as unknown as BusClient;
  } else {
    // Embedded: the relay waits until every consumer handled an event before moving its checkpoint, because the
    // in-process broker's state dies with the process while the checkpoint does not.
    const broker = new InProcessBroker();
    server = inProcessServerOptions({ broker, groupId: options.consumerGroup });
    client = ClientProxyFactory.create(
      inProcessClientOptions({ broker, emitAck: 'handled' }),
    ) as unknown as BusClient;
  }

  const host: DynamicModule = {
    module: HostModule,
    global: true,
    imports: [
      loggingModule(options.process),
      OpsModule.forRoot({ service: options.process }),
      ...services.map(({ hosted, resources }) => hosted.module(resources.infra)),
      ...(options.modules ?? []),
    ],
    providers: [
      { provide: HOSTED, useValue: { services, shared } satisfies Hosted },
      { provide: BUS_CLIENT, useValue: client },
      HostLifecycle,
    ],
    exports: [BUS_CLIENT],
  };
  const app = await NestFactory.create<NestFastifyApplication>(
    host,
    new FastifyAdapter({ bodyLimit: 1024 * 1024, trustProxy: process.env.TRUST_PROXY === 'true' }),
    {
      bufferLogs: true,
    },
  );
  app.useLogger(app.get(Logger));
  app.connectMicroservice(server, { inheritAppConfig: true });
  await app.startAllMicroservices();
  await app.listen(config.port, config.host);
  const stores = services.map(({ resources }) => resources.describe).join(', ');
  app
    .get(Logger)
    .log(
      `${options.process} (${config.mode}) listening on ${await app.getUrl()}; bus: ${config.kafkaBrokers ? `Kafka (group ${group})` : 'in-process'}; ${shared.describe.join('; ')}${stores ? `; stores: ${stores}` : ''}`,
    );
  return app;
};

/** A process's `main`: `startHost`, one-line configuration errors (exit 78), and a draining SIGTERM (exit 0). */
export const runHost = (options: HostOptions): Promise<void> =>
  boot(options.process, async () => {
    const app = await startHost(options);
    exitOnSignals(() => app.close());
  });
