import {
  type BeforeApplicationShutdown,
  type DynamicModule,
  Global,
  Inject,
  Injectable,
  Module,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { CHECKPOINT_STORE } from '../event-store/checkpoint-store.port';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port';
import type { OpenedEventStore } from './event-store.factory';
import { ReadinessRegistry } from './readiness';

const OPENED = Symbol('OPENED_EVENT_STORE');

@Injectable()
class EventStoreLifecycle implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    @Inject(OPENED) private readonly opened: OpenedEventStore,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly readiness: ReadinessRegistry,
  ) {}

  onModuleInit() {
    this.readiness.register({
      name: 'event-store',
      check: async () => void (await this.store.headPosition()),
    });
  }

  /** First thing on SIGTERM: report unready so no new traffic arrives while in-flight requests finish. */
  beforeApplicationShutdown() {
    this.readiness.startDraining();
  }

  async onApplicationShutdown() {
    await this.opened.store.close();
  }
}

/** Provides the opened event store (and its checkpoint store) to the process, checks it in `/readyz`, closes it last. */
@Global()
@Module({})
export class EventStoreModule {
  static forRoot(opened: OpenedEventStore): DynamicModule {
    return {
      module: EventStoreModule,
      providers: [
        { provide: OPENED, useValue: opened },
        { provide: EVENT_STORE, useValue: opened.store },
        { provide: CHECKPOINT_STORE, useValue: opened.checkpoints ?? null },
        EventStoreLifecycle,
      ],
      exports: [EVENT_STORE, CHECKPOINT_STORE],
    };
  }
}
