import { randomBytes } from 'node:crypto';
import { EventStoreError } from './errors';
import type { CheckpointStore } from './checkpoint-store.port';

/**
 * The one contract every `CheckpointStore` adapter passes. `open` is called once for the suite; `close`, when
 * given, releases what `open` acquired. Names are unique to the run, so the backing store may be shared.
 */
export const describeCheckpointStoreContract = (
  name: string,
  open: () => Promise<CheckpointStore>,
  close?: (store: CheckpointStore) => Promise<void>,
): void =>
  describe(`CheckpointStore contract: ${name}`, () => {
    const run = randomBytes(4).toString('hex');
    let seq = 0;
    const checkpoint = (prefix: string) => `${prefix}-${run}-${seq++}`;
    let store: CheckpointStore;
    beforeAll(async () => {
      store = await open();
    }, 60_000);
    afterAll(async () => {
      if (store && close) await close(store);
    });

    it('loads undefined for a name never saved', async () => {
      expect(await store.load(checkpoint('never'))).toBeUndefined();
    });

    it('loads what was saved last, per name', async () => {
      const [a, b] = [checkpoint('relay'), checkpoint('projection')];
      await store.save(a, 0n);
      expect(await store.load(a)).toBe(0n);
      await store.save(a, 42n);
      await store.save(b, 7n);
      expect(await store.load(a)).toBe(42n);
      expect(await store.load(b)).toBe(7n);
      await store.save(a, 41n); // last write wins: resetting a checkpoint is how a replay is started
      expect(await store.load(a)).toBe(41n);
    });

    it('keeps positions beyond 2^53 exact and accepts unicode names', async () => {
      const big = 2n ** 63n - 1n;
      const n = checkpoint('projection:ユーザー-😀');
      await store.save(n, big);
      expect(await store.load(n)).toBe(big);
      await store.save(n, 2n ** 53n + 1n);
      expect(await store.load(n)).toBe(2n ** 53n + 1n);
    });

    it('survives concurrent saves to one name with one of the saved values', async () => {
      const n = checkpoint('race');
      const values = Array.from({ length: 20 }, (_, i) => BigInt(i * 10));
      await Promise.all(values.map((v) => store.save(n, v)));
      expect(values).toContain(await store.load(n));
    });

    it('refuses names and positions it cannot store', async () => {
      for (const call of [
        () => store.load(''),
        () => store.save('', 1n),
        () => store.save(checkpoint('bad'), -1n),
        () => store.save(checkpoint('bad'), 2n ** 63n),
        () => store.save(checkpoint('bad'), 5 as never),
      ])
        await expect(call()).rejects.toMatchObject({ code: 'EVENT_STORE.INVALID_CHECKPOINT' });
      await expect(store.save('', 1n)).rejects.toBeInstanceOf(EventStoreError);
    });
  });
