import type { ProcessedEventStore } from './processed-event.store';

/** ONE contract for every ProcessedEventStore adapter; consumer names are unique per test. */
export const describeProcessedEventStoreContract = (name: string, open: () => Promise<ProcessedEventStore>) =>
  describe(`ProcessedEventStore contract: ${name}`, () => {
    let store: ProcessedEventStore;
    let consumer: string;
    let n = 0;
    const t0 = new Date('2030-01-01T00:00:00Z');
    const at = (ms: number) => new Date(t0.getTime() + ms);

    beforeEach(async () => {
      store = await open();
      consumer = `c${process.pid}_${Date.now()}_${++n}`;
    });

    it('claims a new key once; a live claim is busy for everyone else', async () => {
      const first = await store.claim(consumer, 'e1', 1000, t0);
      expect(first.status).toBe('claimed');
      expect(await store.claim(consumer, 'e1', 1000, at(10))).toEqual({ status: 'busy' });
      expect((await store.claim(`${consumer}-other`, 'e1', 1000, t0)).status).toBe('claimed');
    });

    it('reports done after completion, for good', async () => {
      const claim = await store.claim(consumer, 'e1', 1000, t0);
      expect(await store.complete(consumer, 'e1', (claim as { token: string }).token, at(1))).toBe(true);
      expect(await store.claim(consumer, 'e1', 1000, at(2))).toEqual({ status: 'done' });
      expect(await store.claim(consumer, 'e1', 1000, at(10_000_000))).toEqual({ status: 'done' });
    });

    it('lets a released claim be taken again', async () => {
      const claim = (await store.claim(consumer, 'e1', 1000, t0)) as { token: string };
      await store.release(consumer, 'e1', claim.token);
      expect((await store.claim(consumer, 'e1', 1000, at(1))).status).toBe('claimed');
    });

    it('hands an expired lease over, and the old holder can neither complete nor release it', async () => {
      const old = (await store.claim(consumer, 'e1', 1000, t0)) as { token: string };
      const taken = await store.claim(consumer, 'e1', 1000, at(1000));
      expect(taken.status).toBe('claimed');
      expect(await store.complete(consumer, 'e1', old.token, at(1001))).toBe(false);
      await store.release(consumer, 'e1', old.token);
      expect(await store.claim(consumer, 'e1', 1000, at(1002))).toEqual({ status: 'busy' });
      expect(await store.complete(consumer, 'e1', (taken as { token: string }).token, at(1003))).toBe(true);
    });

    it('prunes keys completed before a date', async () => {
      for (const [key, doneAt] of [
        ['old', 1],
        ['new', 5000],
      ] as const) {
        const c = (await store.claim(consumer, key, 1000, t0)) as { token: string };
        await store.complete(consumer, key, c.token, at(doneAt));
      }
      const live = await store.claim(consumer, 'live', 1_000_000, t0);
      expect(await store.prune(consumer, at(1000))).toBe(1);
      expect((await store.claim(consumer, 'old', 1000, at(6000))).status).toBe('claimed');
      expect(await store.claim(consumer, 'new', 1000, at(6000))).toEqual({ status: 'done' });
      expect(live.status).toBe('claimed');
      expect(await store.claim(consumer, 'live', 1000, at(6000))).toEqual({ status: 'busy' });
    });
  });
