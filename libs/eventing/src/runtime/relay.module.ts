import {
  type BeforeApplicationShutdown,
  type DynamicModule,
  Inject,
  Injectable,
  Module,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { Gauge, type Registry } from 'prom-client';
import type { BusClient } from '../bus/bus-client';
import { BusEventPublisher } from '../bus/bus-event.publisher';
import { CHECKPOINT_STORE, type CheckpointStore } from '../event-store/checkpoint-store.port';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port';
import { EventRelay, type RelaySelector } from '../relay/event-relay';
import { METRICS_REGISTRY } from './ops.controller';

/** Token of the process's bus client (Kafka or in-process), registered by the host. */
export const BUS_CLIENT = 'BUS_CLIENT';
const RELAY_OPTIONS = Symbol('RELAY_OPTIONS');

interface RelayModuleOptions {
  topic: string;
  select?: RelaySelector;
}

@Injectable()
export class RelayHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly relay: EventRelay;

  constructor(
    @Inject(EVENT_STORE) events: EventStore,
    @Inject(CHECKPOINT_STORE) checkpoints: CheckpointStore,
    @Inject(BUS_CLIENT) client: BusClient,
    @Inject(RELAY_OPTIONS) options: RelayModuleOptions,
    @Inject(METRICS_REGISTRY) metrics: Registry,
  ) {
    this.relay = new EventRelay({ events, checkpoints, publisher: new BusEventPublisher(client) }, options);
    const relay = this.relay;
    new Gauge({
      name: 'relay_lag_events',
      help: 'Events in the store not yet published to the topic',
      labelNames: ['topic'],
      registers: [metrics],
      async collect() {
        const s = await relay.status();
        this.set({ topic: s.topic }, Number(s.lag));
      },
    });
  }

  async onApplicationBootstrap() {
    await this.relay.start();
  }

  /** Stop before the store closes; a batch published but not checkpointed is simply published again later. */
  async beforeApplicationShutdown() {
    await this.relay.stop();
  }
}

/** Runs the service's relay (its store → its topic) for the life of the process. */
@Module({})
export class RelayModule {
  static forRoot(options: RelayModuleOptions): DynamicModule {
    return {
      module: RelayModule,
      providers: [{ provide: RELAY_OPTIONS, useValue: options }, RelayHost],
      exports: [RelayHost],
    };
  }
}
