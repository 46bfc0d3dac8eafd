import {
  type DynamicModule,
  Inject,
  Logger,
  Module,
  type OnModuleDestroy,
  type OnModuleInit,
  Optional,
} from '@nestjs/common';
import {
  eventsTopic,
  IMPERSONATION,
  ORG_TOKEN,
  TEAM_TOKEN,
  type TokenIntegrationEvent,
  TOKEN,
  USER_TOKEN,
} from '@idp/contracts';
import {
  BUS_CLIENT,
  type BusClient,
  CLOCK,
  type Clock,
  NotifyingEventStore,
  ProcessedEvents,
  ProjectionRunner,
  type HostedService,
  type RelaySelector,
  type RunnerLogger,
  type ServiceInfrastructure,
  serviceInfrastructureProviders,
  systemClock,
} from '@idp/eventing';
import {
  newApiTokenSecret,
  newSessionId,
  newSessionSecret,
  newUserTokenId,
  newUserTokenSecret,
} from './application/credentials';
import { IdentityReactions } from './application/identity-reactions';
import { MembershipReactions } from './application/membership-reactions';
import { OrganizationTokenService } from './application/organization-token.service';
import {
  MEMBERSHIP_REACTIONS,
  ORGANIZATION_TOKEN_SERVICE,
  OrganizationTokenHandlers,
} from './application/organization-tokens.handlers';
import {
  organizationTokensModel,
  organizationTokensProjection,
} from './application/organization-tokens.projection';
import { SessionActivity, sessionActivityModel } from './application/session-activity';
import { TeamTokenService } from './application/team-token.service';
import { TEAM_TOKEN_SERVICE, TeamTokenHandlers } from './application/team-tokens.handlers';
import { teamTokensModel, teamTokensProjection } from './application/team-tokens.projection';
import {
  TokenTtlPolicies,
  tokenTtlPoliciesModel,
  tokenTtlPoliciesProjection,
} from './application/token-ttl-policies';
import { ImpersonationHandlers } from './application/impersonation.handlers';
import { SessionService } from './application/session.service';
import { IDENTITY_REACTIONS, SESSION_SERVICE, SessionHandlers } from './application/sessions.handlers';
import { sessionsModel, sessionsProjection } from './application/sessions.projection';
import {
  organizationTokenActivityModel,
  teamTokenActivityModel,
  UserTokenActivity,
  userTokenActivityModel,
} from './application/user-token-activity';
import { UserTokenService } from './application/user-token.service';
import { USER_TOKEN_SERVICE, UserTokenHandlers } from './application/user-tokens.handlers';
import {
  suspendedTokenOwnersModel,
  userTokensModel,
  userTokensProjection,
} from './application/user-tokens.projection';
import type { OrganizationTokenEvent } from './domain/organization-token/organization-token.decider';
import type { SessionEvent } from './domain/session/session.decider';
import type { TeamTokenEvent } from './domain/team-token/team-token.decider';
import type { TokenOwnerEvent } from './domain/user-token/token-owner.decider';
import type { UserTokenEvent } from './domain/user-token/user-token.decider';
import { validateSessionPolicy } from './domain/session/session-policy';
import { DEFAULT_SESSION_SETTINGS, type SessionSettings, sessionSettingsFromEnv } from './token.config';

export interface TokenModuleOptions {
  /** Source of time for every decision (tests pass a controlled one). Default: the system clock. */
  clock?: Clock;
  /** Timeouts and last-seen granularity. Default `DEFAULT_SESSION_SETTINGS` (1 h idle, 12 h absolute, 60 s). */
  sessions?: Partial<SessionSettings>;
}

const SESSIONS_RUNTIME = Symbol('SESSIONS_RUNTIME');

/** What the module builds once per process and starts/stops with it. */
interface SessionsRuntime {
  service: SessionService;
  userTokens: UserTokenService;
  organizationTokens: OrganizationTokenService;
  teamTokens: TeamTokenService;
  reactions: IdentityReactions;
  membershipReactions: MembershipReactions;
  /**
   * One runner per projection: `sessions`, `user-tokens`, `token-ttl-policies`, `organization-tokens`,
   * `team-tokens`.
   */
  runners: ProjectionRunner[];
  unsubscribe: () => void;
}

const runnerLogger = (logger: Logger): RunnerLogger => {
  const line = (message: string, details?: Record<string, unknown>) =>
    details ? `${message} ${JSON.stringify(details)}` : message;
  return {
    info: (m, d) => logger.log(line(m, d)),
    warn: (m, d) => logger.warn(line(m, d)),
    error: (m, d) => logger.error(line(m, d)),
  };
};

const openSessionsRuntime = async (
  infra: ServiceInfrastructure,
  clock: Clock,
  settings: SessionSettings,
): Promise<SessionsRuntime> => {
  const logger = new Logger('token');
  // Appends through this store wake the projection at once; `catchUp()` after each write is what makes replies
  // read-your-writes, the wake-up only keeps the tail loop from waiting for its next poll.
  const events = new NotifyingEventStore(infra.eventStore);
  // Every projection of the token service runs on the same event store, read stores and checkpoints.
  const runnerFor = (projection: ConstructorParameters<typeof ProjectionRunner>[0]) =>
    new ProjectionRunner(projection, {
      events,
      readStores: infra.readStores,
      checkpoints: infra.projectionCheckpoints,
      parked: infra.parkedEvents,
      logger: runnerLogger(logger),
      clock,
    });
  const runner = runnerFor(sessionsProjection);
  const activity = new SessionActivity(await infra.readStores.open(sessionActivityModel), {
    touchIntervalMs: settings.touchIntervalMs,
    lostSince: clock.now().getTime(),
  });
  const service = new SessionService({
    events,
    runner,
    sessions: await infra.readStores.open(sessionsModel),
    activity,
    clock,
    policy: settings,
    newSessionId,
    newSecret: newSessionSecret,
    warn: (m, d) => logger.warn(`${m} ${JSON.stringify(d)}`),
  });
  const tokenRunner = runnerFor(userTokensProjection);
  const userTokens = new UserTokenService({
    events,
    runner: tokenRunner,
    tokens: await infra.readStores.open(userTokensModel),
    suspended: await infra.readStores.open(suspendedTokenOwnersModel),
    activity: new UserTokenActivity(await infra.readStores.open(userTokenActivityModel), {
      touchIntervalMs: settings.touchIntervalMs,
    }),
    clock,
    newTokenId: newUserTokenId,
    newSecret: newUserTokenSecret,
  });
  const ttlPoliciesRunner = runnerFor(tokenTtlPoliciesProjection);
  const ttlPolicies = new TokenTtlPolicies({
    events,
    runner: ttlPoliciesRunner,
    policies: await infra.readStores.open(tokenTtlPoliciesModel),
  });
  const organizationTokenRunner = runnerFor(organizationTokensProjection);
  const organizationTokens = new OrganizationTokenService({
    events,
    runner: organizationTokenRunner,
    tokens: await infra.readStores.open(organizationTokensModel),
    activity: new UserTokenActivity(await infra.readStores.open(organizationTokenActivityModel), {
      touchIntervalMs: settings.touchIntervalMs,
    }),
    clock,
    newTokenId: newUserTokenId,
    newSecret: newApiTokenSecret,
    ttlPolicies,
  });
  const teamTokenRunner = runnerFor(teamTokensProjection);
  const teamTokens = new TeamTokenService({
    events,
    runner: teamTokenRunner,
    tokens: await infra.readStores.open(teamTokensModel),
    activity: new UserTokenActivity(await infra.readStores.open(teamTokenActivityModel), {
      touchIntervalMs: settings.touchIntervalMs,
    }),
    clock,
    newTokenId: newUserTokenId,
    newSecret: newApiTokenSecret,
    ttlPolicies,
  });
  const processed = new ProcessedEvents(infra.processedEvents, { consumer: 'token.identity-events', clock });
  const membershipProcessed = new ProcessedEvents(infra.processedEvents, {
    consumer: 'token.membership-events',
    clock,
  });
  const unsubscribe = [
    events.subscribe(runner),
    events.subscribe(tokenRunner),
    events.subscribe(organizationTokenRunner),
    events.subscribe(teamTokenRunner),
    events.subscribe(ttlPoliciesRunner),
  ];
  return {
    service,
    userTokens,
    organizationTokens,
    teamTokens,
    reactions: new IdentityReactions(service, processed, userTokens),
    membershipReactions: new MembershipReactions(
      organizationTokens,
      membershipProcessed,
      teamTokens,
      ttlPolicies,
    ),
    runners: [runner, tokenRunner, ttlPoliciesRunner, organizationTokenRunner, teamTokenRunner],
    unsubscribe: () => unsubscribe.forEach((u) => u()),
  };
};

/**
 * The token service (see docs/architecture.md): browser sessions, user and organization API tokens. `register` receives
 * the service's own infrastructure from whichever host runs it.
 */
@Module({})
export class TokenModule implements OnModuleInit, OnModuleDestroy {
  constructor(
    @Inject(SESSIONS_RUNTIME) private readonly runtime: SessionsRuntime,
    @Optional() @Inject(BUS_CLIENT) private readonly bus?: BusClient,
  ) {}

  /** Reply subscriptions (before the host connects the client), then the read model caught up before serving. */
  async onModuleInit(): Promise<void> {
    for (const pattern of [
      ...Object.values(TOKEN),
      ...Object.values(USER_TOKEN),
      ...Object.values(ORG_TOKEN),
      ...Object.values(TEAM_TOKEN),
      ...Object.values(IMPERSONATION),
    ])
      this.bus?.subscribeToResponseOf(pattern);
    for (const runner of this.runtime.runners) {
      await runner.start();
      await runner.catchUp();
    }
  }

  /** Before the host closes the stores (its `onApplicationShutdown`). */
  async onModuleDestroy(): Promise<void> {
    this.runtime.unsubscribe();
    for (const runner of this.runtime.runners) await runner.stop();
  }

  static register(infra: ServiceInfrastructure, options: TokenModuleOptions = {}): DynamicModule {
    const settings: SessionSettings = { ...DEFAULT_SESSION_SETTINGS, ...options.sessions };
    validateSessionPolicy(settings);
    return {
      module: TokenModule,
      controllers: [
        SessionHandlers,
        ImpersonationHandlers,
        UserTokenHandlers,
        OrganizationTokenHandlers,
        TeamTokenHandlers,
      ],
      providers: [
        ...serviceInfrastructureProviders(infra),
        { provide: CLOCK, useValue: options.clock ?? systemClock },
        {
          provide: SESSIONS_RUNTIME,
          inject: [CLOCK],
          useFactory: (clock: Clock) => openSessionsRuntime(infra, clock, settings),
        },
        {
          provide: SESSION_SERVICE,
          inject: [SESSIONS_RUNTIME],
          useFactory: (r: SessionsRuntime) => r.service,
        },
        {
          provide: USER_TOKEN_SERVICE,
          inject: [SESSIONS_RUNTIME],
          useFactory: (r: SessionsRuntime) => r.userTokens,
        },
        {
          provide: IDENTITY_REACTIONS,
          inject: [SESSIONS_RUNTIME],
          useFactory: (r: SessionsRuntime) => r.reactions,
        },
        {
          provide: ORGANIZATION_TOKEN_SERVICE,
          inject: [SESSIONS_RUNTIME],
          useFactory: (r: SessionsRuntime) => r.organizationTokens,
        },
        {
          provide: TEAM_TOKEN_SERVICE,
          inject: [SESSIONS_RUNTIME],
          useFactory: (r: SessionsRuntime) => r.teamTokens,
        },
        {
          provide: MEMBERSHIP_REACTIONS,
          inject: [SESSIONS_RUNTIME],
          useFactory: (r: SessionsRuntime) => r.membershipReactions,
        },
      ],
    };
  }
}

/**
 * Stored events → `token.events`: never the secret's hash, the client address or the user agent (see
 * `TokenIntegrationEvent`).
 */
export const publicTokenEvent: RelaySelector = (event) => {
  const stored = event as typeof event &
    (SessionEvent | UserTokenEvent | TokenOwnerEvent | OrganizationTokenEvent | TeamTokenEvent);
  let data: TokenIntegrationEvent['data'];
  switch (stored.type) {
    case 'SessionStarted': {
      const { sessionId, userId, startedAt, absoluteExpiresAt } = stored.data;
      data = { sessionId, userId, startedAt, absoluteExpiresAt };
      break;
    }
    case 'SessionEnded': {
      const { sessionId, userId, reason, endedAt } = stored.data;
      data = { sessionId, userId, reason, endedAt };
      break;
    }
    case 'SessionTwoFactorCompleted': {
      const { sessionId, userId, completedAt } = stored.data;
      data = { sessionId, userId, completedAt };
      break;
    }
    case 'UserTokenCreated': {
      const { tokenId, userId, description, expiredAt, createdAt, createdBy } = stored.data;
      data = { tokenId, userId, description, expiredAt, createdAt, createdBy };
      break;
    }
    case 'UserTokenRevoked':
    case 'UserTokensSuspended':
    case 'UserTokensUnsuspended':
      data = stored.data as TokenIntegrationEvent['data'];
      break;
    case 'OrganizationTokenCreated': {
      const { tokenId, organizationId, organizationName, kind, expiredAt, createdAt, createdBy } =
        stored.data;
      data = { tokenId, organizationId, organizationName, kind, expiredAt, createdAt, createdBy };
      break;
    }
    case 'OrganizationTokenRevoked': {
      const { tokenId, organizationId, kind, reason } = stored.data;
      data = { tokenId, organizationId, kind, reason };
      break;
    }
    case 'TeamTokenCreated': {
      const { tokenId, teamId, organizationId, description, expiredAt, createdAt, createdBy } = stored.data;
      data = { tokenId, teamId, organizationId, description, expiredAt, createdAt, createdBy };
      break;
    }
    case 'TeamTokenRevoked': {
      const { tokenId, teamId, organizationId, reason } = stored.data;
      data = { tokenId, teamId, organizationId, reason };
      break;
    }
    case 'TeamTokenExpiryShortened':
    case 'OrganizationTokenExpiryShortened': {
      const { tokenId, organizationId, expiredAt, reason } = stored.data;
      data = { tokenId, organizationId, expiredAt, reason };
      break;
    }
    // `OrganizationTokenOrganizationRenamed`, `OrganizationTokensClosed`, `TeamTokensClosed` and the recorded token
    // TTL policies (`TokenTtlPoliciesRecorded` / `Forgotten`, membership's own facts) stay inside.
    default:
      return undefined;
  }
  return { ...event, data };
};

/** How hosts run this service: the embedded platform and `apps/token` alike (settings from the environment). */
export const tokenService: HostedService = {
  name: 'token',
  module: (infra) => TokenModule.register(infra, { sessions: sessionSettingsFromEnv() }),
  topic: eventsTopic('token'),
  select: publicTokenEvent,
};
