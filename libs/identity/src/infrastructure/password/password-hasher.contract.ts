import {
  type PasswordHasher,
  PasswordHashMalformed,
  PASSWORD_MAX_BYTES,
  PasswordTooLarge,
  verifyAgainstDummy,
} from '../../domain/password';

export interface PasswordHasherContractOptions {
  /** A hasher of the same kind whose parameters differ from `open()`'s, to prove rehash detection. */
  openWithOtherParams: () => PasswordHasher;
}

/**
 * What every `PasswordHasher` promises (see the port's doc comment), run unchanged against each adapter, the fake
 * included, so that tests written against the fake hold against argon2id.
 */
export const describePasswordHasherContract = (
  name: string,
  open: () => PasswordHasher,
  options: PasswordHasherContractOptions,
) =>
  describe(`PasswordHasher contract: ${name}`, () => {
    const hasher = open();

    it('verifies the password a hash was made from, and no other', async () => {
      const hash = await hasher.hash('correct horse battery staple');
      expect(typeof hash).toBe('string');
      expect(hash).not.toContain('correct horse');
      await expect(hasher.verify(hash, 'correct horse battery staple')).resolves.toBe(true);
      await expect(hasher.verify(hash, 'correct horse battery stapLe')).resolves.toBe(false);
      await expect(hasher.verify(hash, 'correct horse battery staple ')).resolves.toBe(false);
      await expect(hasher.verify(hash, '')).resolves.toBe(false);
    });

    it('salts every hash: one password, two different hashes, both verify', async () => {
      const [a, b] = await Promise.all([
        hasher.hash('same password twice'),
        hasher.hash('same password twice'),
      ]);
      expect(a).not.toBe(b);
      await expect(hasher.verify(a, 'same password twice')).resolves.toBe(true);
      await expect(hasher.verify(b, 'same password twice')).resolves.toBe(true);
    });

    it('verifies canonically equivalent spellings (NFC vs NFD, no-break space) as one password', async () => {
      const composed = 'caf\u00e9 cr\u00e8me br\u00fbl\u00e9e';
      const decomposed = composed.normalize('NFD');
      expect(decomposed).not.toBe(composed);
      const hash = await hasher.hash(decomposed);
      await expect(hasher.verify(hash, composed)).resolves.toBe(true);
      await expect(hasher.verify(hash, composed.replace(/ /g, '\u00a0'))).resolves.toBe(true);
      await expect(hasher.verify(hash, 'cafe creme brulee')).resolves.toBe(false);
    });

    it('keeps every other Unicode distinction: case, width, emoji, right-to-left text', async () => {
      const password = 'שלום עולם 🔐 مرحبا';
      const hash = await hasher.hash(password);
      await expect(hasher.verify(hash, password)).resolves.toBe(true);
      await expect(hasher.verify(hash, 'שלום עולם 🔑 مرحبا')).resolves.toBe(false);
      const ascii = await hasher.hash('Password');
      await expect(hasher.verify(ascii, 'password')).resolves.toBe(false);
      await expect(hasher.verify(ascii, 'Ｐａｓｓｗｏｒｄ')).resolves.toBe(false);
    });

    it(`hashes a password of exactly ${PASSWORD_MAX_BYTES} bytes, refuses one byte more`, async () => {
      const fits = '🔐'.repeat(PASSWORD_MAX_BYTES / 4);
      const hash = await hasher.hash(fits);
      await expect(hasher.verify(hash, fits)).resolves.toBe(true);
      await expect(hasher.hash(`${fits}x`)).rejects.toBeInstanceOf(PasswordTooLarge);
      await expect(hasher.hash(`${fits}x`)).rejects.toMatchObject({ code: 'PASSWORD.TOO_LARGE' });
      await expect(hasher.verify(hash, `${fits}x`)).resolves.toBe(false);
    });

    it('refuses a huge password at once, without hashing it', async () => {
      const huge = 'a'.repeat(10_000_000);
      const hash = await hasher.hash('a reasonable password');
      const began = performance.now();
      await expect(hasher.hash(huge)).rejects.toBeInstanceOf(PasswordTooLarge);
      await expect(hasher.verify(hash, huge)).resolves.toBe(false);
      expect(performance.now() - began).toBeLessThan(50);
    });

    it('refuses lone surrogates, which UTF-8 cannot carry (two of them would hash alike)', async () => {
      await expect(hasher.hash('password \ud800 tail')).rejects.toBeInstanceOf(PasswordTooLarge);
      const hash = await hasher.hash('password \ufffd tail');
      await expect(hasher.verify(hash, 'password \udfff tail')).resolves.toBe(false);
    });

    it('throws PasswordHashMalformed for a hash it cannot read, never a silent false', async () => {
      for (const bad of [
        '',
        'plain text',
        '$argon2id$v=19$m=19456,t=2,p=1$bm9wZQ$',
        '$2b$12$abcdefghijklmnopqrstuv',
      ])
        await expect(hasher.verify(bad, 'anything at all')).rejects.toBeInstanceOf(PasswordHashMalformed);
    });

    it('reports no rehash for its own hashes, a rehash for other parameters and for unreadable hashes', async () => {
      const other = options.openWithOtherParams();
      const mine = await hasher.hash('rehash me when parameters move');
      const theirs = await other.hash('rehash me when parameters move');
      expect(hasher.needsRehash(mine)).toBe(false);
      expect(hasher.needsRehash(theirs)).toBe(true);
      expect(other.needsRehash(mine)).toBe(true);
      expect(hasher.needsRehash('not a hash')).toBe(true);
      // An outdated hash still verifies: that is when the caller rehashes.
      await expect(hasher.verify(theirs, 'rehash me when parameters move')).resolves.toBe(true);
    });

    it('verifyAgainstDummy answers false, whatever the password', async () => {
      await expect(verifyAgainstDummy(hasher, 'whatever the user typed')).resolves.toBe(false);
      await expect(verifyAgainstDummy(hasher, '')).resolves.toBe(false);
    });
  });
