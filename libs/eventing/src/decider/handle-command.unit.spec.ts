import { spec } from '../testing';
import { InMemoryEventStore } from '../event-store/in-memory/in-memory-event-store';
import { WrongExpectedVersion } from '../event-store/errors';
import type { EventStore } from '../event-store/event-store.port';
import { type CommandMetadata, type Decider, DomainError } from './decider';
import { handleCommand } from './handle-command';
import { Upcasters } from './upcasters';

// A small decider for the runtime's tests: a wallet that may never go below zero.
type WalletEvent =
  | { type: 'WalletOpened'; data: { owner: string } }
  | { type: 'Deposited'; data: { amount: number } }
  | { type: 'Withdrawn'; data: { amount: number } };
type WalletCommand = (
  | { type: 'Open'; data: { owner: string } }
  | { type: 'Deposit'; data: { amount: number } }
  | { type: 'Withdraw'; data: { amount: number } }
) & { metadata?: CommandMetadata };
type WalletState = { open: boolean; balance: number };
class InsufficientFunds extends DomainError {
  constructor() {
    super('WALLET.INSUFFICIENT_FUNDS', 'not enough money');
  }
}
const wallet: Decider<WalletCommand, WalletEvent, WalletState> = {
  initialState: () => ({ open: false, balance: 0 }),
  evolve: (s, e) => {
    switch (e.type) {
      case 'WalletOpened':
        return { open: true, balance: 0 };
      case 'Deposited':
        return { ...s, balance: s.balance + e.data.amount };
      case 'Withdrawn':
        return { ...s, balance: s.balance - e.data.amount };
    }
  },
  decide: (c, s) => {
    switch (c.type) {
      case 'Open':
        return s.open ? [] : [{ type: 'WalletOpened', data: c.data }];
      case 'Deposit':
        return c.data.amount === 0 ? [] : [{ type: 'Deposited', data: c.data }];
      case 'Withdraw':
        if (c.data.amount > s.balance) throw new InsufficientFunds();
        return [{ type: 'Withdrawn', data: c.data }];
    }
  },
};

describe('decider specification helper', () => {
  const opened: WalletEvent = { type: 'WalletOpened', data: { owner: 'ada' } };
  it('states rules as given / when / then', () => {
    spec(wallet)
      .given([opened])
      .when({ type: 'Open', data: { owner: 'ada' } })
      .thenNothingHappened();
    spec(wallet)
      .given([opened, { type: 'Deposited', data: { amount: 5 } }])
      .when({ type: 'Withdraw', data: { amount: 3 } })
      .then([{ type: 'Withdrawn', data: { amount: 3 } }]);
    spec(wallet)
      .given([opened])
      .when({ type: 'Withdraw', data: { amount: 1 } })
      .thenThrows(InsufficientFunds, { code: 'WALLET.INSUFFICIENT_FUNDS' });
    spec(wallet)
      .given([opened])
      .when({ type: 'Deposit', data: { amount: 7 } })
      .thenState((s) => expect(s.balance).toBe(7));
  });

  it('fails when the decider does something else than specified', () => {
    expect(() =>
      spec(wallet)
        .given([opened])
        .when({ type: 'Deposit', data: { amount: 1 } })
        .then([{ type: 'Deposited', data: { amount: 2 } }]),
    ).toThrow();
    expect(() =>
      spec(wallet)
        .given([opened])
        .when({ type: 'Deposit', data: { amount: 1 } })
        .thenNothingHappened(),
    ).toThrow();
  });
});

describe('handleCommand', () => {
  let store: EventStore;
  beforeEach(() => {
    store = new InMemoryEventStore();
  });

  it('appends the decided events with the command metadata, and appends nothing when nothing changed', async () => {
    const meta = {
      correlationId: 'c-1',
      actor: { kind: 'user' as const, id: 'user-1' },
      now: '2026-01-01T00:00:00Z',
    };
    const first = await handleCommand(store, 'wallet-1', wallet, {
      type: 'Open',
      data: { owner: 'ada' },
      metadata: meta,
    });
    expect(first.revision).toBe(0);
    const again = await handleCommand(store, 'wallet-1', wallet, { type: 'Open', data: { owner: 'ada' } });
    expect(again.events).toEqual([]);
    const [event] = await store.readStream('wallet-1');
    expect(event?.metadata).toEqual({ correlationId: 'c-1', actor: { kind: 'user', id: 'user-1' } });
    expect(await store.readStream('wallet-1')).toHaveLength(1);
  });

  it('decides again on the fresh state after a concurrency conflict, so no rule is bypassed', async () => {
    await handleCommand(store, 'wallet-2', wallet, { type: 'Open', data: { owner: 'ada' } });
    await handleCommand(store, 'wallet-2', wallet, { type: 'Deposit', data: { amount: 10 } });
    // Ten concurrent withdrawals of 3 from 10: exactly three can succeed, whatever the interleaving.
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () =>
        handleCommand(
          store,
          'wallet-2',
          wallet,
          { type: 'Withdraw', data: { amount: 3 } },
          { maxRetries: 20, backoff: async () => {} },
        ),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(InsufficientFunds);
    const final = await handleCommand(store, 'wallet-2', wallet, { type: 'Deposit', data: { amount: 0 } });
    expect(final.state.balance).toBe(1);
  });

  it('gives up with WrongExpectedVersion after the bounded retries', async () => {
    const racing: EventStore = Object.create(store);
    racing.append = async () => {
      throw new WrongExpectedVersion('wallet-3', 'no_stream', 0);
    };
    let attempts = 0;
    await expect(
      handleCommand(
        racing,
        'wallet-3',
        wallet,
        { type: 'Open', data: { owner: 'ada' } },
        { maxRetries: 2, backoff: async () => void attempts++ },
      ),
    ).rejects.toBeInstanceOf(WrongExpectedVersion);
    expect(attempts).toBe(2);
  });

  it('folds upcast events: old versions are read as the new shape, never rewritten', async () => {
    await store.append('wallet-4', [{ type: 'WalletOpened', data: { owner: 'ada' } }], 'no_stream');
    await store.append('wallet-4', [{ type: 'Deposited', data: { cents: 500 }, schemaVersion: 1 }], 0);
    const upcasters = new Upcasters([
      {
        type: 'Deposited',
        fromVersion: 1,
        upcast: (d) => ({ amount: (d as { cents: number }).cents / 100 }),
      },
    ]);
    const result = await handleCommand(
      store,
      'wallet-4',
      wallet,
      { type: 'Withdraw', data: { amount: 5 } },
      { upcasters },
    );
    expect(result.state.balance).toBe(0);
    const stored = await store.readStream('wallet-4');
    expect(stored[1]?.data).toEqual({ cents: 500 });
  });
});
