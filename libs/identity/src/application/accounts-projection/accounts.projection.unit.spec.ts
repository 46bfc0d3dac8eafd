import {
  InMemoryCheckpointStore,
  InMemoryEventStore,
  InMemoryParkedEventStore,
  InMemoryReadStoreFactory,
  ProjectionRunner,
} from '@idp/eventing';
import type { AccountEvent } from '../../domain/account/account.decider';
import { type AccountDocument, accountsModel, accountsProjection } from './accounts.projection';

const NOW = '2026-11-26T10:00:00.000Z';
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

const history: Array<[string, AccountEvent]> = [
  [
    'account-user-1',
    {
      type: 'AccountRegistered',
      data: {
        userId: 'user-1',
        username: 'ada',
        email: 'ada@example.com',
        passwordHash: 'h',
        emailConfirmed: false,
        registeredAt: NOW,
      },
    },
  ],
  [
    'account-user-2',
    {
      type: 'AccountRegistered',
      data: {
        userId: 'user-2',
        username: 'bob',
        email: 'bob@example.com',
        passwordHash: 'h',
        emailConfirmed: true,
        registeredAt: NOW,
      },
    },
  ],
  ['account-user-1', { type: 'EmailConfirmed', data: { email: 'ada@example.com', confirmedAt: NOW } }],
  ['account-user-1', { type: 'UsernameChanged', data: { from: 'ada', to: 'countess' } }],
  [
    'account-user-1',
    {
      type: 'EmailChangeRequested',
      data: {
        email: 'c@example.com',
        username: 'countess',
        tokenHash: 't',
        expiresAt: NOW,
        sealedToken: 's',
      },
    },
  ],
  [
    'account-user-1',
    {
      type: 'EmailChanged',
      data: { from: 'ada@example.com', to: 'c@example.com', username: 'countess', changedAt: NOW },
    },
  ],
  ['account-user-1', { type: 'SiteAdminGranted', data: {} }],
  ['account-user-2', { type: 'AccountSuspended', data: { suspendedAt: NOW } }],
  [
    'account-user-2',
    {
      type: 'AccountDeleted',
      data: { username: 'bob', email: 'bob@example.com', unconfirmedEmail: null, deletedAt: NOW },
    },
  ],
];

const setUp = async () => {
  const events = new InMemoryEventStore();
  for (const [stream, event] of history) await events.append(stream, [event], 'any');
  await events.append('unique-username-ada', [{ type: 'ValueClaimed', data: {} }], 'any');
  const readStores = new InMemoryReadStoreFactory();
  const runner = new ProjectionRunner(accountsProjection, {
    events,
    readStores,
    checkpoints: new InMemoryCheckpointStore(),
    parked: new InMemoryParkedEventStore(),
    logger: quiet,
  });
  return { events, runner, accounts: await readStores.open<AccountDocument>(accountsModel) };
};

describe('accounts projection', () => {
  it('keeps one document per live account with its latest values', async () => {
    const { runner, accounts } = await setUp();
    await runner.catchUp();
    expect(await accounts.find()).toEqual([
      {
        id: 'user-1',
        username: 'countess',
        email: 'c@example.com',
        unconfirmedEmail: null,
        emailConfirmed: true,
        avatarUrl: expect.stringMatching(/^https:\/\/www\.gravatar\.com\/avatar\/[0-9a-f]{32}\?s=100&d=mm$/),
        isAdmin: true,
        isSuspended: false,
        createdAt: NOW,
        twoFactorEnabled: false,
      },
    ]);
  });

  it('changes nothing when events are applied twice, and a rebuild gives the same documents', async () => {
    const { events, runner, accounts } = await setUp();
    await runner.catchUp();
    const before = await accounts.find();
    const stores = { accounts };
    for (const event of await events.readAll()) {
      if (accountsProjection.handles.includes(event.type)) await accountsProjection.apply(event, stores);
    }
    expect(await accounts.find()).toEqual(before);
    await runner.rebuild();
    expect(await accounts.find()).toEqual(before);
  });
});
