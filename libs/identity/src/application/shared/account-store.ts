import { createHash } from 'node:crypto';
import type { AccountView, RequestMeta, UserView } from '@idp/contracts';
import {
  type CommandMetadata,
  type EventStore,
  fold,
  handleCommand,
  WrongExpectedVersion,
} from '@idp/eventing';
import {
  type AccountCommand,
  accountDecider,
  type AccountEvent,
  AccountNotFound,
  type AccountState,
  accountStream,
} from '../../domain/account/account.decider';
import type { AccountDocument } from '../accounts-projection/accounts.projection';
import type { IdentityDeps } from './identity-deps';

/** What account reads and writes need: the event store, and the `accounts` read model the writes wait for. */
type AccountDeps = Pick<IdentityDeps, 'store' | 'accounts'>;

export type LiveAccount = Extract<AccountState, { status: 'active' | 'suspended' }>;

/** The account as of now: its stream folded (read-your-writes; no read model involved). */
export const loadAccount = async (store: EventStore, userId: string): Promise<AccountState> =>
  fold(accountDecider, (await store.readStream(accountStream(userId))) as unknown as AccountEvent[]);

export const loadLiveAccount = async (store: EventStore, userId: string): Promise<LiveAccount> => {
  const state = await loadAccount(store, userId);
  if (state.status === 'none' || state.status === 'deleted') throw new AccountNotFound();
  return state;
};

/** What of the request travels into the events' metadata: who, and which request (audit, tracing). */
export const commandMetadata = (meta: RequestMeta, now: Date): CommandMetadata => ({
  now: now.toISOString(),
  ...(meta.actor && { actor: meta.actor }),
  ...(meta.correlationId && { correlationId: meta.correlationId }),
  ...(meta.traceparent && { traceparent: meta.traceparent }),
});

/**
 * The account as the `accounts` read model holds it: what `get-account` and `get-user` answer, without reading the
 * event store. Every use case that writes to an account waits for that read model before it replies, so a caller
 * sees its own writes. A miss (an unknown or deleted account, or a read model being rebuilt) is settled by folding the stream.
 */
export const readAccount = async (deps: AccountDeps, userId: string): Promise<AccountView> => {
  const document = await deps.accounts.get(userId);
  return document ? accountViewOf(document) : toAccountView(await loadLiveAccount(deps.store, userId));
};

/**
 * `handleCommand` on `account-<userId>`. A use case that appended waits for `deps.accounts.catchUp()` before it
 * replies (after its compensations: a failed catch-up must not undo a committed write).
 */
export const handleAccountCommand = (
  store: EventStore,
  userId: string,
  command: AccountCommand,
  metadata: CommandMetadata,
) => handleCommand(store, accountStream(userId), accountDecider, { ...command, metadata });

/**
 * Several commands decided in order on one account and appended together, all or none (e.g. register + grant site
 * admin: no one can ever observe the first admin as a non-admin). Retries on a concurrency conflict like
 * `handleCommand`.
 */
export const handleAccountCommands = async (
  store: EventStore,
  userId: string,
  commands: AccountCommand[],
  metadata: CommandMetadata,
  maxRetries = 5,
): Promise<LiveAccount> => {
  const stream = accountStream(userId);
  const { now: _now, ...eventMetadata } = metadata;
  for (let attempt = 0; ; attempt++) {
    const recorded = (await store.readStream(stream)) as unknown as AccountEvent[];
    let state = fold(accountDecider, recorded);
    const events: AccountEvent[] = [];
    for (const command of commands) {
      const decided = accountDecider.decide(command, state);
      state = decided.reduce(accountDecider.evolve, state);
      events.push(...decided);
    }
    try {
      await store.append(
        stream,
        events.map((e) => ({ ...e, metadata: eventMetadata })),
        recorded.length === 0 ? 'no_stream' : recorded.length - 1,
      );
      if (state.status === 'none' || state.status === 'deleted') throw new AccountNotFound();
      return state;
    } catch (err) {
      if (!(err instanceof WrongExpectedVersion) || attempt >= maxRetries) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 ** attempt)));
    }
  }
};

/** Gravatar as Terraform Cloud links it (TFC-API §3.2): md5 of the trimmed, lower-cased address. */
export const gravatarUrl = (email: string): string =>
  `https://www.gravatar.com/avatar/${createHash('md5').update(email.trim().toLowerCase()).digest('hex')}?s=100&d=mm`;

export const toAccountView = (account: LiveAccount): AccountView => ({
  id: account.userId,
  username: account.username,
  email: account.email,
  unconfirmedEmail: account.unconfirmedEmail,
  emailConfirmed: account.emailConfirmed,
  avatarUrl: gravatarUrl(account.email),
  isAdmin: account.isSiteAdmin,
  isSuspended: account.status === 'suspended',
  isServiceAccount: false,
  twoFactor: { enabled: account.twoFactor.enabled, verified: account.twoFactor.enabled },
  createdAt: account.registeredAt,
});

export const toUserView = (account: LiveAccount): UserView => ({
  id: account.userId,
  username: account.username,
  avatarUrl: gravatarUrl(account.email),
  isServiceAccount: false,
});

/** The same view from the account's `accounts` document (the same fields, in the same order). */
export const accountViewOf = (document: AccountDocument): AccountView => ({
  id: document.id,
  username: document.username,
  email: document.email,
  unconfirmedEmail: document.unconfirmedEmail,
  emailConfirmed: document.emailConfirmed,
  avatarUrl: document.avatarUrl,
  isAdmin: document.isAdmin,
  isSuspended: document.isSuspended,
  isServiceAccount: false,
  // Enabling requires a verified code, so an enabled second factor is a verified one (TFC-API §12, §14).
  twoFactor: { enabled: document.twoFactorEnabled === true, verified: document.twoFactorEnabled === true },
  createdAt: document.createdAt,
});

/** The public side of an account (never the e-mail). */
export const userViewOf = (account: AccountView): UserView => ({
  id: account.id,
  username: account.username,
  avatarUrl: account.avatarUrl,
  isServiceAccount: false,
});

/**
 * The owning service decides authorization (ARCHITECTURE.md): an account's private side answers only to that
 * user (an impersonating admin acts as them) or to the platform itself. Anyone else learns as much as from an
 * unknown id: not found (TFC-API §1.4, no existence oracle).
 */
export const assertActsAs = (meta: RequestMeta, userId: string): void => {
  const actor = meta.actor;
  if (actor?.kind === 'system') return;
  if (actor?.kind === 'user' && actor.id === userId) return;
  throw new AccountNotFound();
};
