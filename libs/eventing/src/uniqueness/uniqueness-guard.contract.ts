import { uniqueName } from '@idp/testing';
import { NotClaimOwner, type UniquenessGuard, ValueAlreadyClaimed } from './uniqueness-guard.port';

/** ONE contract for every UniquenessGuard adapter (and every event store under the reservation guard). */
export const describeUniquenessGuardContract = (
  name: string,
  open: () => Promise<{ guard: UniquenessGuard; close(): Promise<void> }>,
) =>
  describe(`UniquenessGuard contract: ${name}`, () => {
    let guard: UniquenessGuard;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ guard, close } = await open());
    });
    afterAll(async () => close?.());
    const scope = 'username';

    it('gives a value to its first claimer and refuses others, case-insensitively', async () => {
      const v = uniqueName('Ada');
      await guard.claim(scope, v, 'user-1');
      await expect(guard.claim(scope, v.toUpperCase(), 'user-2')).rejects.toBeInstanceOf(ValueAlreadyClaimed);
      expect(await guard.ownerOf(scope, v)).toBe('user-1');
    });

    it('is idempotent for the owner', async () => {
      const v = uniqueName('grace');
      await guard.claim(scope, v, 'user-1');
      await guard.claim(scope, v, 'user-1');
      expect(await guard.ownerOf(scope, v)).toBe('user-1');
    });

    it('lets exactly one of 50 concurrent claimers win', async () => {
      const v = uniqueName('race');
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, (_, i) => guard.claim(scope, v, `user-${i}`)),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(49);
      for (const r of lost) expect(r.reason).toBeInstanceOf(ValueAlreadyClaimed);
      const owner = await guard.ownerOf(scope, v);
      expect(owner).toBe(`user-${results.findIndex((r) => r.status === 'fulfilled')}`);
    });

    it('frees a released value for someone else, and refuses a release by a non-owner', async () => {
      const v = uniqueName('linus');
      await guard.claim(scope, v, 'user-1');
      await expect(guard.release(scope, v, 'user-2')).rejects.toBeInstanceOf(NotClaimOwner);
      await guard.release(scope, v, 'user-1');
      expect(await guard.ownerOf(scope, v)).toBeUndefined();
      await guard.claim(scope, v, 'user-2');
      expect(await guard.ownerOf(scope, v)).toBe('user-2');
      await guard.release(scope, uniqueName('never-claimed'), 'user-1'); // releasing a free value is a no-op
    });

    it('renames: takes the new value, frees the old, keeps the old when the new is taken', async () => {
      const [a, b, c] = [uniqueName('a'), uniqueName('b'), uniqueName('c')];
      await guard.claim(scope, a, 'user-1');
      await guard.rename(scope, a, b, 'user-1');
      expect(await guard.ownerOf(scope, a)).toBeUndefined();
      expect(await guard.ownerOf(scope, b)).toBe('user-1');
      await guard.claim(scope, c, 'user-2');
      await expect(guard.rename(scope, b, c, 'user-1')).rejects.toBeInstanceOf(ValueAlreadyClaimed);
      expect(await guard.ownerOf(scope, b)).toBe('user-1');
    });

    it('keeps scopes apart and handles unicode and very long values', async () => {
      const v = `${uniqueName('zoë')}-ŻÓŁW-名前`;
      await guard.claim('username', v, 'user-1');
      await guard.claim('email', v, 'user-2');
      expect(await guard.ownerOf('username', v.toLowerCase())).toBe('user-1');
      const long = `${uniqueName('x')}${'é'.repeat(400)}`;
      await guard.claim(scope, long, 'user-3');
      await expect(guard.claim(scope, long.toUpperCase(), 'user-4')).rejects.toBeInstanceOf(
        ValueAlreadyClaimed,
      );
      // NFC: a decomposed é is the same value as the composed one.
      const composed = `${uniqueName('cafe')}é`;
      await guard.claim(scope, composed, 'user-5');
      await expect(guard.claim(scope, composed.normalize('NFD'), 'user-6')).rejects.toBeInstanceOf(
        ValueAlreadyClaimed,
      );
    });
  });
