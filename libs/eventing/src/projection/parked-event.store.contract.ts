import type { ParkedEvent, ParkedEventStore } from './parked-event.store';

/** ONE contract for every ParkedEventStore adapter; consumer names are unique per test. */
export const describeParkedEventStoreContract = (name: string, open: () => Promise<ParkedEventStore>) =>
  describe(`ParkedEventStore contract: ${name}`, () => {
    let store: ParkedEventStore;
    let a: string;
    let b: string;
    let n = 0;
    const parked = (consumer: string, position: bigint, extra: Partial<ParkedEvent> = {}): ParkedEvent => ({
      consumer,
      eventId: `e${position}`,
      type: 'AccountRegistered',
      stream: 'account-1',
      revision: Number(position),
      position,
      error: 'TEST.BROKEN: nope',
      attempts: 5,
      parkedAt: new Date('2030-01-01T00:00:00Z'),
      ...extra,
    });

    beforeEach(async () => {
      store = await open();
      a = `a${process.pid}_${Date.now()}_${++n}`;
      b = `${a}_b`;
    });

    it('parks, lists by position, counts and keeps 64-bit positions exact', async () => {
      await store.park(parked(a, 2n ** 62n + 1n));
      await store.park(parked(a, 7n));
      await store.park(parked(b, 3n));
      const listed = await store.list(a);
      expect(listed.map((e) => e.position)).toEqual([7n, 2n ** 62n + 1n]);
      expect(listed[0]).toEqual(parked(a, 7n));
      expect(await store.count(a)).toBe(2);
      expect((await store.list(a, { skip: 1, limit: 5 })).map((e) => e.eventId)).toEqual([
        `e${2n ** 62n + 1n}`,
      ]);
    });

    it('parks one event once, keeping the latest error', async () => {
      await store.park(parked(a, 7n));
      await store.park(parked(a, 7n, { error: 'again', attempts: 9 }));
      expect(await store.list(a)).toEqual([parked(a, 7n, { error: 'again', attempts: 9 })]);
    });

    it('clears one consumer only', async () => {
      await store.park(parked(a, 1n));
      await store.park(parked(b, 1n));
      await store.clear(a);
      expect(await store.count(a)).toBe(0);
      expect(await store.count(b)).toBe(1);
    });
  });
