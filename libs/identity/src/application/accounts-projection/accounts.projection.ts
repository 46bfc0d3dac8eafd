import type { AccountView } from '@idp/contracts';
import {
  defineProjection,
  type Filter,
  type ProjectionRunner,
  type Query,
  type ReadModel,
  type ReadStore,
  type ReadStoreFactory,
  type RecordedEvent,
} from '@idp/eventing';
import type { AccountEvent } from '../../domain/account/account.decider';
import { gravatarUrl } from '../shared/account-store';

/**
 * One document per account: what `identity.get-account` and `identity.get-user` answer, and lists and searches (the
 * admin users list, TFC-API §10). Every identity write to an account waits for this projection before it replies
 * (`AccountsIndex.catchUp`), so a caller reads its own writes here; never used for uniqueness (the reservations are)
 * nor for decisions (commands fold the account stream).
 */
export type AccountDocument = Omit<AccountView, 'isServiceAccount' | 'twoFactor'> & {
  /** Two-factor authentication is on (verified at enrolment); absent in documents built before version 2. */
  twoFactorEnabled?: boolean;
};

export const accountsModel: ReadModel<AccountDocument> = {
  name: 'accounts',
  indexes: [{ username: 1 }, { isAdmin: 1, username: 1 }, { isSuspended: 1, username: 1 }],
  searchable: ['username', 'email'],
};

const ACCOUNT_STREAM = /^account-(.+)$/;

type Changes = Partial<Omit<AccountDocument, 'id'>>;

/** The document change an event makes; `undefined` for events that change nothing listed. */
const changesOf = (event: AccountEvent): Changes | 'delete' | undefined => {
  switch (event.type) {
    case 'AccountRegistered':
      return undefined; // a whole document: put, below
    case 'EmailChangeRequested':
      return { unconfirmedEmail: event.data.email };
    case 'EmailConfirmed':
      return { emailConfirmed: true };
    case 'EmailChanged':
      return {
        email: event.data.to,
        unconfirmedEmail: null,
        emailConfirmed: true,
        avatarUrl: gravatarUrl(event.data.to),
      };
    case 'UsernameChanged':
      return { username: event.data.to };
    case 'AccountSuspended':
      return { isSuspended: true };
    case 'AccountUnsuspended':
      return { isSuspended: false };
    case 'SiteAdminGranted':
      return { isAdmin: true };
    case 'SiteAdminRevoked':
      return { isAdmin: false };
    case 'AccountDeleted':
      return 'delete';
    case 'TwoFactorEnabled':
      return { twoFactorEnabled: true };
    case 'TwoFactorDisabled':
      return { twoFactorEnabled: false };
    default:
      return undefined;
  }
};

/**
 * `accounts`: every write is guarded by the event's position, so re-delivery and replays change nothing
 * (ADR 005). Only `account-*` streams feed it.
 */
export const accountsProjection = defineProjection({
  name: 'accounts',
  version: 2,
  handles: [
    'AccountRegistered',
    'EmailChangeRequested',
    'EmailConfirmed',
    'EmailChanged',
    'UsernameChanged',
    'AccountSuspended',
    'AccountUnsuspended',
    'SiteAdminGranted',
    'SiteAdminRevoked',
    'AccountDeleted',
    'TwoFactorEnabled',
    'TwoFactorDisabled',
  ],
  readModels: { accounts: accountsModel },
  async apply(recorded: RecordedEvent, { accounts }) {
    const id = ACCOUNT_STREAM.exec(recorded.stream)?.[1];
    if (!id) return;
    const event = recorded as unknown as AccountEvent;
    if (event.type === 'AccountRegistered') {
      const { username, email, emailConfirmed, registeredAt } = event.data;
      await accounts.put(
        {
          id,
          username,
          email,
          unconfirmedEmail: null,
          emailConfirmed,
          avatarUrl: gravatarUrl(email),
          isAdmin: false,
          isSuspended: false,
          createdAt: registeredAt,
          twoFactorEnabled: false,
        },
        recorded.position,
      );
      return;
    }
    const changes = changesOf(event);
    if (changes === 'delete') await accounts.delete(id, recorded.position);
    else if (changes) await accounts.patch(id, changes, recorded.position);
  },
});

/** How use cases read the `accounts` read model (a port, so tests and hosts choose the read store). */
export interface AccountsIndex {
  /** The account's document, or undefined: unknown, deleted, or not projected yet. */
  get(userId: string): Promise<AccountDocument | undefined>;
  /**
   * Resolves once the read model holds every event appended so far: what a write awaits before it replies, so that
   * the writer's next read sees it (read-your-writes).
   */
  catchUp(): Promise<void>;
  /** Documents matching `query` (the admin users list), as `ReadStore.find`. */
  find(query: Query<AccountDocument>): Promise<AccountDocument[]>;
  /** How many documents match `filter`, as `ReadStore.count`. */
  count(filter?: Filter<AccountDocument>): Promise<number>;
}

/** `AccountsIndex` on the `accounts` read model and the runner that projects it. */
export class ProjectedAccounts implements AccountsIndex {
  private store: Promise<ReadStore<AccountDocument>> | undefined;

  constructor(
    private readonly readStores: ReadStoreFactory,
    private readonly runner: Pick<ProjectionRunner, 'catchUp'>,
  ) {}

  async get(userId: string): Promise<AccountDocument | undefined> {
    return (await this.open()).get(userId);
  }

  catchUp(): Promise<void> {
    return this.runner.catchUp();
  }

  async find(query: Query<AccountDocument>): Promise<AccountDocument[]> {
    return (await this.open()).find(query);
  }

  async count(filter?: Filter<AccountDocument>): Promise<number> {
    return (await this.open()).count(filter);
  }

  private open(): Promise<ReadStore<AccountDocument>> {
    this.store ??= this.readStores.open(accountsModel).catch((err: unknown) => {
      this.store = undefined; // unreachable now: the next call tries again
      throw err;
    });
    return this.store;
  }
}
