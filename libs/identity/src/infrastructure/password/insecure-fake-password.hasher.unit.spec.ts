import { DUMMY_HASH } from '../../domain/password';
import { InsecureFakePasswordHasher } from './insecure-fake-password.hasher';
import { describePasswordHasherContract } from './password-hasher.contract';

describePasswordHasherContract('insecure fake (unit tests only)', () => new InsecureFakePasswordHasher(), {
  openWithOtherParams: () => new InsecureFakePasswordHasher(2),
});

describe('InsecureFakePasswordHasher', () => {
  it('names itself in every hash, so one can never pass for a real hash', async () => {
    expect(await new InsecureFakePasswordHasher().hash('some password')).toMatch(
      /^\$insecure-fake-sha256\$v=1\$/,
    );
  });

  it('is fast: a thousand hashes and verifications in well under a second', async () => {
    const hasher = new InsecureFakePasswordHasher();
    const began = performance.now();
    for (let i = 0; i < 1_000; i++) await hasher.verify(await hasher.hash(`password ${i}`), `password ${i}`);
    expect(performance.now() - began).toBeLessThan(1_000);
  });

  it('considers the argon2id DUMMY_HASH foreign (verifyAgainstDummy then hashes its own dummy)', () => {
    expect(new InsecureFakePasswordHasher().needsRehash(DUMMY_HASH)).toBe(true);
  });

  it('refuses to exist in production', () => {
    const previous = process.env.NODE_ENV;
    try {
      process.env.NODE_ENV = 'production';
      expect(() => new InsecureFakePasswordHasher()).toThrow(/must not run in production/);
    } finally {
      if (previous === undefined) delete process.env.NODE_ENV;
      else process.env.NODE_ENV = previous;
    }
  });
});
