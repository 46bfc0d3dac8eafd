import {
  type DynamicModule,
  Inject,
  Logger,
  Module,
  type OnModuleDestroy,
  type OnModuleInit,
  Optional,
} from '@nestjs/common';
import { eventsTopic, MEMBERSHIP } from '@idp/contracts';
import {
  BUS_CLIENT,
  type BusClient,
  CLOCK,
  type Clock,
  type HostedService,
  NotifyingEventStore,
  ProcessedEvents,
  ProjectionRunner,
  ReservationStreamGuard,
  StateCache,
  type RunnerLogger,
  type ServiceInfrastructure,
  type UniquenessGuard,
  serviceInfrastructureProviders,
  systemClock,
} from '@idp/eventing';
import {
  directoryProjection,
  membershipsModel,
  organizationsModel,
  teamsModel,
  usersModel,
} from './application/directory.projection';
import { IdentityReactions } from './application/identity-reactions';
import {
  MEMBERSHIP_IDENTITY_REACTIONS,
  MEMBERSHIP_SERVICE,
  MembershipHandlers,
} from './application/membership.handlers';
import { MembershipQueries } from './application/membership.queries';
import { publicMembershipEvent } from './application/membership-relay.selector';
import {
  type MembershipLogger,
  MembershipService,
  type MembershipServiceDeps,
} from './application/membership.service';
import { UserMirror } from './application/user-mirror';

export interface MembershipModuleOptions {
  /** Source of time for every decision (tests pass a controlled one). Default: the system clock. */
  clock?: Clock;
  /** Organizations whose folded state each process keeps (LRU). Default 1,000. */
  stateCacheSize?: number;
  /** Overrides for tests (ids, the invitation secret, how long a write waits for a just-registered user). */
  service?: Partial<Pick<MembershipServiceDeps, 'ids' | 'newSecret' | 'userWaitMs'>>;
}

const MEMBERSHIP_RUNTIME = Symbol('MEMBERSHIP_RUNTIME');

/** What the module builds once per process and starts/stops with it. */
export interface MembershipRuntime {
  service: MembershipService;
  queries: MembershipQueries;
  reactions: IdentityReactions;
  mirror: UserMirror;
  /** Organization-name reservations (scope `organization`). */
  guard: UniquenessGuard;
  /** The `membership-directory` projection's runner. */
  runner: ProjectionRunner;
  /** The store every write goes through (wakes the runner on appends). */
  events: NotifyingEventStore;
  unsubscribe: () => void;
}

const runnerLogger = (logger: Logger): RunnerLogger & MembershipLogger => {
  const line = (message: string, details?: Record<string, unknown>) =>
    details ? `${message} ${JSON.stringify(details)}` : message;
  return {
    info: (m, d) => logger.log(line(m, d)),
    warn: (m, d) => logger.warn(line(m, d)),
    error: (m, d) => logger.error(line(m, d)),
  };
};

/**
 * Builds the membership service on one `ServiceInfrastructure` (the module does it at boot; the integration suites
 * do it directly): the directory projection's runner, the read models, the organization-name reservations, the user
 * mirror, the service and its process manager. Nothing is started: `runner.start()`/`catchUp()` is the caller's.
 */
export const openMembershipRuntime = async (
  infra: ServiceInfrastructure,
  options: MembershipModuleOptions = {},
): Promise<MembershipRuntime> => {
  const clock = options.clock ?? systemClock;
  const logger = runnerLogger(new Logger('membership'));
  // Appends through this store wake the projection at once; `catchUp()` after each write is what makes replies
  // read-your-writes, the wake-up only keeps the tail loop from waiting for its next poll.
  const events = new NotifyingEventStore(infra.eventStore);
  const runner = new ProjectionRunner(directoryProjection, {
    events,
    readStores: infra.readStores,
    checkpoints: infra.projectionCheckpoints,
    parked: infra.parkedEvents,
    logger,
    clock,
  });
  const queries = new MembershipQueries({
    organizations: await infra.readStores.open(organizationsModel),
    teams: await infra.readStores.open(teamsModel),
    memberships: await infra.readStores.open(membershipsModel),
    users: await infra.readStores.open(usersModel),
  });
  const mirror = new UserMirror(events);
  const guard = new ReservationStreamGuard(events);
  const service = new MembershipService({
    events,
    runner,
    queries,
    guard,
    mirror,
    secretBox: infra.secretBox,
    clock,
    cache: new StateCache(options.stateCacheSize ?? 1_000),
    logger,
    ...options.service,
  });
  const processed = new ProcessedEvents(infra.processedEvents, {
    consumer: 'membership.identity-events',
    clock,
  });
  return {
    service,
    queries,
    reactions: new IdentityReactions(service, mirror, processed),
    mirror,
    guard,
    runner,
    events,
    unsubscribe: events.subscribe(runner),
  };
};

/**
 * The membership service (see docs/architecture.md): organizations, teams, memberships and invitations, one
 * aggregate per organization. `register` receives the service's own infrastructure from whichever host runs it.
 */
@Module({})
export class MembershipModule implements OnModuleInit, OnModuleDestroy {
  constructor(
    @Inject(MEMBERSHIP_RUNTIME) private readonly runtime: MembershipRuntime,
    @Optional() @Inject(BUS_CLIENT) private readonly bus?: BusClient,
  ) {}

  /** Reply subscriptions (before the host connects the client), then the read models caught up before serving. */
  async onModuleInit(): Promise<void> {
    for (const pattern of Object.values(MEMBERSHIP)) this.bus?.subscribeToResponseOf(pattern);
    await this.runtime.runner.start();
    await this.runtime.runner.catchUp();
  }

  /** Before the host closes the stores (its `onApplicationShutdown`). */
  async onModuleDestroy(): Promise<void> {
    this.runtime.unsubscribe();
    await this.runtime.runner.stop();
  }

  static register(infra: ServiceInfrastructure, options: MembershipModuleOptions = {}): DynamicModule {
    return {
      module: MembershipModule,
      controllers: [MembershipHandlers],
      providers: [
        ...serviceInfrastructureProviders(infra),
        { provide: CLOCK, useValue: options.clock ?? systemClock },
        {
          provide: MEMBERSHIP_RUNTIME,
          inject: [CLOCK],
          useFactory: (clock: Clock) => openMembershipRuntime(infra, { ...options, clock }),
        },
        {
          provide: MEMBERSHIP_SERVICE,
          inject: [MEMBERSHIP_RUNTIME],
          useFactory: (r: MembershipRuntime) => r.service,
        },
        {
          provide: MEMBERSHIP_IDENTITY_REACTIONS,
          inject: [MEMBERSHIP_RUNTIME],
          useFactory: (r: MembershipRuntime) => r.reactions,
        },
      ],
    };
  }
}

/** How hosts run this service: the embedded platform and `apps/membership` alike. */
export const membershipService: HostedService = {
  name: 'membership',
  module: (infra) => MembershipModule.register(infra),
  topic: eventsTopic('membership'),
  select: publicMembershipEvent,
};
