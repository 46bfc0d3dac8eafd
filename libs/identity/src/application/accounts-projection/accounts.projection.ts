import type { AccountView } from '@idp/contracts';
import { defineProjection, type ReadModel, type RecordedEvent } from '@idp/eventing';
import type { AccountEvent } from '../../domain/account/account.decider';
import { gravatarUrl } from '../shared/account-store';

/**
 * One document per account, for lists and searches (the admin users list, TFC-API §10). Eventually consistent:
 * never used where a caller must see its own write (those fold the account stream) nor for uniqueness (the
 * reservations are).
 */
export type AccountDocument = Omit<AccountView, 'isServiceAccount' | 'twoFactor'>;

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
  version: 1,
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
