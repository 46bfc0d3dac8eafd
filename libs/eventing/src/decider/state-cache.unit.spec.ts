import { InMemoryEventStore } from '../event-store/in-memory/in-memory-event-store';
import type { EventStore, ReadStreamOptions } from '../event-store/event-store.port';
import { type Decider, DomainError } from './decider';
import { handleCommand } from './handle-command';
import { StateCache } from './state-cache';
import { Upcasters } from './upcasters';

// A stock that never goes below zero; its state is a fresh object per event (a pure evolve).
type StockEvent = { type: 'Added'; data: { n: number } } | { type: 'Taken'; data: { n: number } };
type StockCommand = { type: 'Add'; data: { n: number } } | { type: 'Take'; data: { n: number } };
type StockState = { count: number; folded: number };
class OutOfStock extends DomainError {
  constructor() {
    super('STOCK.OUT', 'out of stock');
  }
}
const stock: Decider<StockCommand, StockEvent, StockState> = {
  initialState: () => ({ count: 0, folded: 0 }),
  evolve: (s, e) => ({ count: s.count + (e.type === 'Added' ? e.data.n : -e.data.n), folded: s.folded + 1 }),
  decide: (c, s) => {
    if (c.data.n === 0) return [];
    if (c.type === 'Take' && c.data.n > s.count) throw new OutOfStock();
    return [{ type: c.type === 'Add' ? 'Added' : 'Taken', data: { n: c.data.n } }];
  },
};
const add = (n: number): StockCommand => ({ type: 'Add', data: { n } });
const take = (n: number): StockCommand => ({ type: 'Take', data: { n } });
const noBackoff = { backoff: async () => {} };

/** The store, and every `readStream` call's options. */
const spied = () => {
  const store = new InMemoryEventStore();
  const reads: (ReadStreamOptions | undefined)[] = [];
  const readStream = store.readStream.bind(store);
  jest.spyOn(store, 'readStream').mockImplementation(async (stream, options) => {
    reads.push(options);
    return readStream(stream, options);
  });
  return { store, reads };
};

describe('StateCache', () => {
  it('keeps at most maxEntries, evicting the least recently used', () => {
    const cache = new StateCache(2);
    const owner = {};
    cache.set(owner, 'a', 'A', 0);
    cache.set(owner, 'b', 'B', 0);
    expect(cache.get(owner, 'a')).toEqual({ state: 'A', revision: 0 }); // a is now the most recently used
    cache.set(owner, 'c', 'C', 0);
    expect(cache.size).toBe(2);
    expect(cache.get(owner, 'b')).toBeUndefined();
    expect(cache.get(owner, 'a')?.state).toBe('A');
    expect(cache.get(owner, 'c')?.state).toBe('C');
    expect(new StateCache().maxEntries).toBe(1_000);
    expect(() => new StateCache(0)).toThrow(RangeError);
  });

  it('never goes back to an older revision, and keeps one decider from reusing another one’s state', () => {
    const cache = new StateCache();
    const owner = {};
    cache.set(owner, 's', 'new', 5);
    cache.set(owner, 's', 'old', 3);
    expect(cache.get(owner, 's')).toEqual({ state: 'new', revision: 5 });
    expect(cache.get({}, 's')).toBeUndefined();
    cache.delete('s');
    expect(cache.get(owner, 's')).toBeUndefined();
  });
});

describe('handleCommand with a state cache', () => {
  it('reads only the events after the cached revision', async () => {
    const { store, reads } = spied();
    const cache = new StateCache();
    await handleCommand(store, 'stock-1', stock, add(5), { cache });
    await handleCommand(store, 'stock-1', stock, add(5), { cache });
    const result = await handleCommand(store, 'stock-1', stock, take(3), { cache });
    expect(reads).toEqual([undefined, { fromRevision: 1 }, { fromRevision: 2 }]);
    expect(result).toMatchObject({ state: { count: 7, folded: 3 }, revision: 2 });
    // Nothing decided: the read is still remembered, the state is not folded again.
    await handleCommand(store, 'stock-1', stock, add(0), { cache });
    const last = await handleCommand(store, 'stock-1', stock, take(1), { cache });
    expect(reads.slice(3)).toEqual([{ fromRevision: 3 }, { fromRevision: 3 }]);
    expect(last.state).toEqual({ count: 6, folded: 4 });
  });

  it('remembers the state after a refused command, too', async () => {
    const { store, reads } = spied();
    const cache = new StateCache();
    await handleCommand(store, 'stock-2', stock, add(1), { cache });
    cache.clear();
    await expect(handleCommand(store, 'stock-2', stock, take(2), { cache })).rejects.toBeInstanceOf(
      OutOfStock,
    );
    await handleCommand(store, 'stock-2', stock, take(1), { cache });
    expect(reads).toEqual([undefined, undefined, { fromRevision: 1 }]);
  });

  it('respects its bound across streams', async () => {
    const store = new InMemoryEventStore();
    const cache = new StateCache(2);
    for (const stream of ['s-1', 's-2', 's-3']) await handleCommand(store, stream, stock, add(1), { cache });
    expect(cache.size).toBe(2);
    expect(cache.get(stock, 's-1')).toBeUndefined();
    expect(cache.get(stock, 's-3')).toEqual({ state: { count: 1, folded: 1 }, revision: 0 });
  });

  it('sees what another writer appended since, decides on it, and remembers it', async () => {
    const { store, reads } = spied();
    const cache = new StateCache();
    await handleCommand(store, 'stock-3', stock, add(5), { cache });
    // Another process (no cache of ours) takes 4.
    await handleCommand(store, 'stock-3', stock, take(4));
    await expect(handleCommand(store, 'stock-3', stock, take(2), { cache })).rejects.toBeInstanceOf(
      OutOfStock,
    );
    const result = await handleCommand(store, 'stock-3', stock, take(1), { cache });
    expect(result).toMatchObject({ state: { count: 0, folded: 3 }, revision: 2 });
    expect(reads).toEqual([undefined, undefined, { fromRevision: 1 }, { fromRevision: 2 }]);
  });

  it('after a conflict with a writer elsewhere, reads the tail again and decides on the fresh state', async () => {
    const inner = new InMemoryEventStore();
    const cache = new StateCache();
    await handleCommand(inner, 'stock-4', stock, add(5), { cache });
    // Between our read and our append, someone else takes 4.
    let raced = false;
    const racing: EventStore = Object.create(inner);
    racing.append = async (stream, events, expected) => {
      if (!raced) {
        raced = true;
        await inner.append(stream, [{ type: 'Taken', data: { n: 4 } }], expected);
      }
      return inner.append(stream, events, expected);
    };
    await expect(
      handleCommand(racing, 'stock-4', stock, take(3), { cache, ...noBackoff }),
    ).rejects.toBeInstanceOf(OutOfStock);
    const result = await handleCommand(racing, 'stock-4', stock, take(1), { cache, ...noBackoff });
    expect(result).toMatchObject({ state: { count: 0, folded: 3 }, revision: 2 });
  });

  it('concurrent commands through one cache keep every rule', async () => {
    const store = new InMemoryEventStore();
    const cache = new StateCache();
    await handleCommand(store, 'stock-5', stock, add(10), { cache });
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () =>
        handleCommand(store, 'stock-5', stock, take(3), { cache, maxRetries: 20, ...noBackoff }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    const final = await handleCommand(store, 'stock-5', stock, add(0), { cache });
    expect(final.state).toEqual({ count: 1, folded: 4 });
    expect(final.revision).toBe(3);
  });

  it('upcasts the tail as it upcasts a full read', async () => {
    const store = new InMemoryEventStore();
    const cache = new StateCache();
    const upcasters = new Upcasters([
      { type: 'Added', fromVersion: 1, upcast: (d) => ({ n: (d as { dozens: number }).dozens * 12 }) },
    ]);
    await store.append('stock-6', [{ type: 'Added', data: { dozens: 1 }, schemaVersion: 1 }], 'no_stream');
    await handleCommand(store, 'stock-6', stock, take(2), { cache, upcasters });
    await store.append('stock-6', [{ type: 'Added', data: { dozens: 2 }, schemaVersion: 1 }], 1);
    const result = await handleCommand(store, 'stock-6', stock, take(30), { cache, upcasters });
    expect(result.state.count).toBe(4);
  });

  it('changes nothing a pure decider decides: same events and states with and without the cache', async () => {
    const plain = new InMemoryEventStore();
    const cached = new InMemoryEventStore();
    const cache = new StateCache(3);
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (let i = 0; i < 300; i++) {
      const stream = `stock-${Math.floor(random() * 5)}`;
      const command = random() < 0.5 ? add(Math.floor(random() * 4)) : take(Math.floor(random() * 6));
      const outcome = async (store: EventStore, options = {}) =>
        handleCommand(store, stream, stock, command, options).then(
          (r) => ({ state: r.state, revision: r.revision, events: r.events }),
          (err: Error) => err.constructor.name,
        );
      expect(await outcome(cached, { cache })).toEqual(await outcome(plain));
    }
    for (let s = 0; s < 5; s++)
      expect((await cached.readStream(`stock-${s}`)).map((e) => e.data)).toEqual(
        (await plain.readStream(`stock-${s}`)).map((e) => e.data),
      );
  });
});
