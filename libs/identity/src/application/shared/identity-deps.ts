import type { Clock, EventStore, IdGenerator, SecretBox, UniquenessGuard } from '@idp/eventing';
import type { ThrottlePolicy } from '../../domain/login/login-throttle.decider';
import type { AccountsIndex } from '../accounts-projection/accounts.projection';
import type { PasswordHasher } from '../../domain/password';
import type { InvitationsIndex } from '../invitations/invitations.projection';
import type { BackgroundJobs } from './background-jobs';

/** Where the service writes what operators must see (the IACT) and what went wrong off the request path. */
export interface IdentityLogger {
  info(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

/** Prints the initial admin creation token, once, where the operator of a fresh installation looks (stdout). */
export interface IactPrinter {
  print(token: string): void;
}

/**
 * Everything the use cases need, as plain ports: the use cases are functions of `(deps, request)`, so they run
 * unchanged under the Nest module, in unit tests on the in-memory store, and on PGlite.
 */
export interface IdentityDeps {
  /** The identity service's own event store (streams `account-*`, `login-*`, `unique-*`, `iact`, `invitation-*`). */
  store: EventStore;
  /** Usernames and e-mails (scopes `username`, `email`), on the same store. */
  guard: UniquenessGuard;
  hasher: PasswordHasher;
  clock: Clock;
  /** User ids: `user-` + 16 base58 characters. */
  userIds: IdGenerator;
  /** Seals e-mailed link tokens and the IACT. */
  secretBox: SecretBox;
  /**
   * The `accounts` read model: what `get-account` / `get-user` read; every account write waits for it
   * (`catchUp`) before it returns, so a caller reads its own writes.
   */
  accounts: AccountsIndex;
  /** The pending invitations identity learnt of from `membership.events` (sign-up with an invitation token). */
  invitations: InvitationsIndex;
  throttle: ThrottlePolicy;
  /** Work done after the reply (password-reset requests), drained at shutdown. */
  background: BackgroundJobs;
  logger: IdentityLogger;
}
