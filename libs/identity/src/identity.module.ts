import {
  type DynamicModule,
  Inject,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
  type OnModuleInit,
  Optional,
} from '@nestjs/common';
import { eventsTopic, IDENTITY, TWO_FACTOR } from '@idp/contracts';
import {
  BUS_CLIENT,
  type BusClient,
  type Clock,
  type HostedService,
  type IdGenerator,
  NotifyingEventStore,
  ProjectionRunner,
  ReservationStreamGuard,
  SecretBox,
  SECRET_BOX,
  type ServiceInfrastructure,
  serviceInfrastructureProviders,
  systemClock,
  UNIQUENESS_GUARD,
  type UniquenessGuard,
} from '@idp/eventing';
import { accountsProjection, ProjectedAccounts } from './application/accounts-projection/accounts.projection';
import {
  invitationsProjection,
  ProjectedInvitations,
} from './application/invitations/invitations.projection';
import { issueInitialAdminToken } from './application/iact/initial-admin';
import { select } from './application/relay/identity-relay.selector';
import { BackgroundJobs } from './application/shared/background-jobs';
import type { IactPrinter, IdentityDeps, IdentityLogger } from './application/shared/identity-deps';
import { userIdGenerator } from './application/shared/user-ids';
import { DEFAULT_THROTTLE, type ThrottlePolicy } from './domain/login/login-throttle.decider';
import { PASSWORD_HASHER, type PasswordHasher, warmUpDummyHash } from './domain/password';
import { Argon2idPasswordHasher } from './infrastructure/password';
import { IDENTITY_DEPS, IdentityController } from './identity.controller';
import { MembershipEventHandlers } from './membership-events.handlers';

/** What a host or a test may replace; production uses the defaults. */
export interface IdentityOptions {
  /** Default: `Argon2idPasswordHasher` with the OWASP parameters. */
  passwordHasher?: PasswordHasher;
  clock?: Clock;
  /** Default: `user-` + 16 base58 characters from the CSPRNG. */
  userIds?: IdGenerator;
  /** Default: one line on stdout. */
  iactPrinter?: IactPrinter;
  logger?: IdentityLogger;
  throttle?: ThrottlePolicy;
}

/** Token of the `accounts` projection runner (what `get-account` reads; `catchUp()` in tests, status for operations). */
export const ACCOUNTS_PROJECTION = Symbol('ACCOUNTS_PROJECTION');
/** Token of the `invitations` projection runner (pending invitations learnt from `membership.events`). */
export const INVITATIONS_PROJECTION = Symbol('INVITATIONS_PROJECTION');
/** The service's event store, wrapped so that its own projection wakes at each append. */
export const IDENTITY_EVENT_STORE = Symbol('IDENTITY_EVENT_STORE');
const IACT_PRINTER = Symbol('IACT_PRINTER');
const IDENTITY_LOGGER = Symbol('IDENTITY_LOGGER');

/** Operators of a fresh installation read the IACT from the process output (TFC-API §10, as TFE prints it). */
export const stdoutIactPrinter: IactPrinter = {
  print: (token) =>
    void process.stdout.write(
      `\nInitial admin creation token (IACT), valid until the first site admin is created: ${token}\n` +
        'Create the admin with POST /admin/initial-admin-user?token=<IACT>; it can be retrieved again from ' +
        'GET /admin/retrieve-iact on this host.\n\n',
    ),
};

const nestLogger = (logger: Logger): IdentityLogger => ({
  info: (message, details) => logger.log(details ? { msg: message, ...details } : message),
  warn: (message, details) => logger.warn(details ? { msg: message, ...details } : message),
  error: (message, details) => logger.error(details ? { msg: message, ...details } : message),
});

/**
 * The identity service: accounts, passwords, e-mail confirmation, login throttling, the initial admin. Answers the
 * `IDENTITY` patterns; its store is relayed to `identity.events` through `select` (no hashes leave the service).
 */
@Module({})
export class IdentityModule implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    @Inject(IDENTITY_DEPS) private readonly deps: IdentityDeps,
    @Inject(ACCOUNTS_PROJECTION) private readonly accounts: ProjectionRunner,
    @Inject(INVITATIONS_PROJECTION) private readonly invitations: ProjectionRunner,
    @Inject(IDENTITY_EVENT_STORE) private readonly store: NotifyingEventStore,
    @Inject(IACT_PRINTER) private readonly iactPrinter: IactPrinter,
    @Optional() @Inject(BUS_CLIENT) private readonly bus?: BusClient,
  ) {}

  static register(infra: ServiceInfrastructure, options: IdentityOptions = {}): DynamicModule {
    return {
      module: IdentityModule,
      controllers: [IdentityController, MembershipEventHandlers],
      providers: [
        ...serviceInfrastructureProviders(infra),
        {
          provide: PASSWORD_HASHER,
          useFactory: () => options.passwordHasher ?? new Argon2idPasswordHasher(),
        },
        { provide: IDENTITY_EVENT_STORE, useFactory: () => new NotifyingEventStore(infra.eventStore) },
        {
          provide: UNIQUENESS_GUARD,
          useFactory: (store: NotifyingEventStore) => new ReservationStreamGuard(store),
          inject: [IDENTITY_EVENT_STORE],
        },
        { provide: IACT_PRINTER, useValue: options.iactPrinter ?? stdoutIactPrinter },
        { provide: IDENTITY_LOGGER, useFactory: () => options.logger ?? nestLogger(new Logger('identity')) },
        {
          provide: INVITATIONS_PROJECTION,
          useFactory: (store: NotifyingEventStore, logger: IdentityLogger) =>
            new ProjectionRunner(invitationsProjection, {
              events: store,
              readStores: infra.readStores,
              checkpoints: infra.projectionCheckpoints,
              parked: infra.parkedEvents,
              logger,
            }),
          inject: [IDENTITY_EVENT_STORE, IDENTITY_LOGGER],
        },
        {
          provide: ACCOUNTS_PROJECTION,
          useFactory: (store: NotifyingEventStore, logger: IdentityLogger) =>
            new ProjectionRunner(accountsProjection, {
              events: store,
              readStores: infra.readStores,
              checkpoints: infra.projectionCheckpoints,
              parked: infra.parkedEvents,
              logger,
            }),
          inject: [IDENTITY_EVENT_STORE, IDENTITY_LOGGER],
        },
        {
          provide: IDENTITY_DEPS,
          useFactory: (
            store: NotifyingEventStore,
            guard: UniquenessGuard,
            hasher: PasswordHasher,
            secretBox: SecretBox,
            logger: IdentityLogger,
            invitations: ProjectionRunner,
            accounts: ProjectionRunner,
          ): IdentityDeps => {
            return {
              store,
              guard,
              hasher,
              secretBox,
              accounts: new ProjectedAccounts(infra.readStores, accounts),
              invitations: new ProjectedInvitations(infra.readStores, invitations),
              clock: options.clock ?? systemClock,
              userIds: options.userIds ?? userIdGenerator,
              throttle: options.throttle ?? DEFAULT_THROTTLE,
              background: new BackgroundJobs(logger),
              logger,
            };
          },
          inject: [
            IDENTITY_EVENT_STORE,
            UNIQUENESS_GUARD,
            PASSWORD_HASHER,
            SECRET_BOX,
            IDENTITY_LOGGER,
            INVITATIONS_PROJECTION,
            ACCOUNTS_PROJECTION,
          ],
        },
      ],
      exports: [IDENTITY_DEPS, ACCOUNTS_PROJECTION, INVITATIONS_PROJECTION],
    };
  }

  async onModuleInit(): Promise<void> {
    // The gateway (and tests) send these through the process's bus client; Kafka needs every reply topic
    // subscribed before the client connects.
    for (const pattern of Object.values(IDENTITY)) this.bus?.subscribeToResponseOf(pattern);
    for (const pattern of Object.values(TWO_FACTOR)) this.bus?.subscribeToResponseOf(pattern);
    // The first unknown login must not be slower than the others (timing of unknown vs wrong password).
    await warmUpDummyHash(this.deps.hasher);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.store.subscribe(this.accounts);
    this.store.subscribe(this.invitations);
    await this.accounts.start();
    // `get-account` and `get-user` answer from this read model: caught up with the store before serving.
    await this.accounts.catchUp();
    await this.invitations.start();
    await issueInitialAdminToken(this.deps, this.iactPrinter);
  }

  /** Before the host closes the stores: let detached work finish, then stop tailing. */
  async onModuleDestroy(): Promise<void> {
    await this.deps.background.drain();
    await this.accounts.stop();
    await this.invitations.stop();
  }
}

/** How hosts run this service: the embedded platform and `apps/identity` alike. */
export const identityService: HostedService = {
  name: 'identity',
  module: (infra) => IdentityModule.register(infra),
  topic: eventsTopic('identity'),
  select,
};

/** The same service with some dependencies replaced (tests: a fast hasher, a fixed clock, a captured IACT). */
export const identityServiceWith = (options: IdentityOptions): HostedService => ({
  ...identityService,
  module: (infra) => IdentityModule.register(infra, options),
});
