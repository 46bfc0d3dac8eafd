import { randomBytes } from 'node:crypto';
import {
  type EventStore,
  InMemoryCheckpointStore,
  InMemoryParkedEventStore,
  InMemoryReadStoreFactory,
  ProjectionRunner,
  type RecordedEvent,
  ReservationStreamGuard,
  SecretBox,
} from '@idp/eventing';
import {
  accountsProjection,
  ProjectedAccounts,
} from '../application/accounts-projection/accounts.projection';
import {
  invitationsProjection,
  ProjectedInvitations,
} from '../application/invitations/invitations.projection';
import { BackgroundJobs } from '../application/shared/background-jobs';
import type { IdentityDeps, IdentityLogger } from '../application/shared/identity-deps';
import { userIdGenerator } from '../application/shared/user-ids';
import { DEFAULT_THROTTLE } from '../domain/login/login-throttle.decider';
import type { PasswordHasher } from '../domain/password';
import { InsecureFakePasswordHasher } from '../infrastructure/password';

/** A clock tests move by hand. */
export class TestClock {
  constructor(private ms = Date.parse('2026-11-26T10:00:00.000Z')) {}
  now = () => new Date(this.ms);
  advance(seconds: number) {
    this.ms += seconds * 1000;
  }
}

export const collectingLogger = () => {
  const lines: Array<{ level: string; message: string; details?: Record<string, unknown> }> = [];
  const logger: IdentityLogger = {
    info: (message, details) => lines.push({ level: 'info', message, details }),
    warn: (message, details) => lines.push({ level: 'warn', message, details }),
    error: (message, details) => lines.push({ level: 'error', message, details }),
  };
  return { lines, logger };
};

/**
 * Use-case dependencies on a given store, with the fast test hasher and a hand-moved clock. `invitationsRunner`
 * projects the `invitations` read model (in memory) from that store: `catchUp()` it after recording invitations.
 */
export const testDeps = (
  store: EventStore,
  over: Partial<IdentityDeps> & { hasher?: PasswordHasher } = {},
): IdentityDeps & {
  clock: TestClock;
  lines: ReturnType<typeof collectingLogger>['lines'];
  invitationsRunner: Pick<ProjectionRunner, 'catchUp'>;
} => {
  const { lines, logger } = collectingLogger();
  const clock = new TestClock();
  const readStores = new InMemoryReadStoreFactory();
  const invitationsRunner: Pick<ProjectionRunner, 'catchUp'> = new ProjectionRunner(invitationsProjection, {
    events: store,
    readStores,
    checkpoints: new InMemoryCheckpointStore(),
    parked: new InMemoryParkedEventStore(),
    logger,
  });
  // The `accounts` read model (in memory) that `getAccount`/`getUser` read; the use cases catch it up after writes.
  const accountsRunner = new ProjectionRunner(accountsProjection, {
    events: store,
    readStores,
    checkpoints: new InMemoryCheckpointStore(),
    parked: new InMemoryParkedEventStore(),
    logger,
  });
  return {
    store,
    guard: new ReservationStreamGuard(store),
    accounts: new ProjectedAccounts(readStores, accountsRunner),
    hasher: new InsecureFakePasswordHasher(),
    clock,
    userIds: userIdGenerator,
    secretBox: new SecretBox([randomBytes(32)]),
    throttle: DEFAULT_THROTTLE,
    background: new BackgroundJobs(logger),
    logger,
    lines,
    invitations: new ProjectedInvitations(readStores, invitationsRunner),
    invitationsRunner,
    ...over,
  } as IdentityDeps & {
    clock: TestClock;
    lines: typeof lines;
    invitationsRunner: Pick<ProjectionRunner, 'catchUp'>;
  };
};

export const allEvents = async (store: EventStore): Promise<RecordedEvent[]> => {
  const out: RecordedEvent[] = [];
  for (let after = 0n; ;) {
    const batch = await store.readAll(after, 1000);
    if (!batch.length) return out;
    out.push(...batch);
    after = batch[batch.length - 1]!.position;
  }
};

/** The RPC error a use case's `DomainError` becomes (what the bus carries). */
export const codeOf = (err: unknown) => (err as { code?: string }).code;
