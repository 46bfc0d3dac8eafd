import {
  type DynamicModule,
  Global,
  Inject,
  Injectable,
  Module,
  type OnApplicationShutdown,
  type OnModuleInit,
  type Type,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientsModule } from '@nestjs/microservices';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Connection } from 'mongoose';
import { Logger } from 'nestjs-pino';
import type { BusClient } from '../bus/bus-client';
import { type KafkaBusConfig, kafkaClientOptions, kafkaServerOptions } from '../bus/kafka/kafka-bus.options';
import { ConfigError, type InfraConfig, loadInfraConfig } from '../config/infra-config';
import { assertReachable } from '../config/reachability';
import { connectMongo } from '../read-store/mongo/mongo-connection';
import { MongoCheckpointStore } from '../read-store/mongo/mongo-checkpoint.store';
import { boot, exitOnSignals } from './boot';
import { openEventStore } from './event-store.factory';
import { EventStoreModule } from './event-store.module';
import { loggingModule } from './logging';
import { OpsModule } from './ops.module';
import { ReadinessRegistry } from './readiness';
import { BUS_CLIENT, RelayModule } from './relay.module';

export const MONGO_CONNECTION = Symbol('MONGO_CONNECTION');

type Need = 'eventStore' | 'kafka' | 'mongo';

export interface DistributedServiceOptions {
  /** Process name: logs, metrics, Kafka client id. */
  service: string;
  /** The service's Nest module (controllers, message handlers, projections). */
  module: Type<unknown> | DynamicModule;
  /** What the process cannot run without; missing settings stop it at boot. */
  needs: Need[];
  /** Consumer group shared by the service's replicas. */
  consumerGroup: string;
  /** When set, the service's own store is relayed to this topic. */
  topic?: string;
}

const SETTING: Record<Need, string> = {
  eventStore: 'EVENT_STORE_URL',
  kafka: 'KAFKA_BROKERS',
  mongo: 'MONGO_URL',
};

/** A distributed service refuses to start half-configured: each thing it needs must be configured explicitly. */
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
class ServiceHostLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly readiness: ReadinessRegistry,
    @Inject(MONGO_CONNECTION) private readonly mongo: Connection | null,
    @Inject(BUS_CLIENT) private readonly bus: BusClient | null,
  ) {}

  onModuleInit() {
    const { mongo, bus } = this;
    if (mongo)
      this.readiness.register({ name: 'mongo', check: async () => void (await mongo.db!.admin().ping()) });
    if (bus) this.readiness.register({ name: 'bus', check: async () => void (await bus.connect()) });
  }

  async onApplicationShutdown() {
    await this.bus?.close();
    await this.mongo?.close();
  }
}

@Global()
@Module({})
class ServiceHostModule {}

/**
 * Boots one service as its own process (distributed mode): configuration checked first (one line and exit 78
 * on a problem), its event store in its own schema, MongoDB, a Kafka consumer in its group, the relay of its
 * store to its topic, `/healthz` `/readyz` `/metrics` on `PORT`, and a draining SIGTERM.
 */
export const runDistributedService = (options: DistributedServiceOptions): Promise<void> =>
  boot(options.service, async () => {
    const config = loadInfraConfig();
    requireSettings(config, options.needs);
    await assertReachable(config);

    const opened = options.needs.includes('eventStore')
      ? await openEventStore(config.eventStore, { schema: options.service })
      : undefined;
    let mongo: Connection | null = null;
    if (options.needs.includes('mongo')) {
      try {
        mongo = await connectMongo(config.mongoUrl!);
      } catch (err) {
        throw new ConfigError('MONGO_URL', (err as Error).message);
      }
    }
    const kafka: KafkaBusConfig | undefined = config.kafkaBrokers && {
      brokers: config.kafkaBrokers,
      clientId: options.service,
      groupId: options.consumerGroup,
      sessionTimeoutMs: config.kafkaSessionTimeoutMs,
      heartbeatIntervalMs: config.kafkaSessionTimeoutMs && Math.floor(config.kafkaSessionTimeoutMs / 6),
      topics: options.topic ? [options.topic] : [],
    };

    const imports: Array<Type<unknown> | DynamicModule> = [
      loggingModule(options.service),
      OpsModule.forRoot({ service: options.service }),
    ];
    if (opened) {
      const checkpoints = opened.checkpoints ?? (mongo ? new MongoCheckpointStore(mongo) : undefined);
      if (!checkpoints)
        throw new ConfigError('MONGO_URL', 'is required for relay checkpoints with a KurrentDB event store');
      imports.push(EventStoreModule.forRoot({ ...opened, checkpoints }));
    }
    if (kafka)
      imports.push(
        ClientsModule.register({
          isGlobal: true,
          clients: [{ name: BUS_CLIENT, ...kafkaClientOptions(kafka) }],
        }),
      );
    if (opened && kafka && options.topic) imports.push(RelayModule.forRoot({ topic: options.topic }));
    imports.push(options.module);

    const host: DynamicModule = {
      module: ServiceHostModule,
      global: true,
      imports,
      providers: [
        { provide: MONGO_CONNECTION, useValue: mongo },
        ...(kafka ? [] : [{ provide: BUS_CLIENT, useValue: null }]),
        ServiceHostLifecycle,
      ],
      exports: [MONGO_CONNECTION],
    };
    const app = await NestFactory.create<NestFastifyApplication>(
      host,
      new FastifyAdapter({ bodyLimit: 1024 * 1024 }),
      { bufferLogs: true },
    );
    app.useLogger(app.get(Logger));
    if (kafka) app.connectMicroservice(kafkaServerOptions(kafka), { inheritAppConfig: true });
    await app.startAllMicroservices();
    await app.listen(config.port, config.host);
    exitOnSignals(() => app.close());
    app
      .get(Logger)
      .log(
        `${options.service} (distributed) listening on ${await app.getUrl()}${opened ? `; event store: ${opened.describe}` : ''}`,
      );
  });
