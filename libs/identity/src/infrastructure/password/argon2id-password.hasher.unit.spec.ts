import { hash as argon2Hash, parseOptions } from '@node-rs/argon2';
import type { Algorithm, Version } from '@node-rs/argon2';
import { DUMMY_HASH, PasswordHashMalformed, verifyAgainstDummy } from '../../domain/password';
import {
  Argon2idPasswordHasher,
  defaultMaxConcurrent,
  OWASP_ARGON2ID_PARAMS,
} from './argon2id-password.hasher';
import { describePasswordHasherContract } from './password-hasher.contract';

describePasswordHasherContract('argon2id (OWASP parameters)', () => new Argon2idPasswordHasher(), {
  openWithOtherParams: () => new Argon2idPasswordHasher({ params: { memoryCost: 8_192, timeCost: 3 } }),
});

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

describe('Argon2idPasswordHasher', () => {
  const hasher = new Argon2idPasswordHasher();

  it('uses the OWASP parameters: argon2id v=19, m=19456 KiB, t=2, p=1, 16-byte salt, 32-byte hash', async () => {
    expect(OWASP_ARGON2ID_PARAMS).toEqual({ memoryCost: 19_456, timeCost: 2, parallelism: 1, outputLen: 32 });
    const hash = await hasher.hash('correct horse battery staple');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(parseOptions(hash)).toEqual({
      algorithm: 2,
      version: 1,
      memoryCost: 19_456,
      timeCost: 2,
      parallelism: 1,
      outputLen: 32,
      saltLen: 16,
    });
  });

  it('needs a rehash for each parameter that moved, another variant or version, or a short salt', async () => {
    const password = 'rehash detection';
    const make = (options: Parameters<typeof argon2Hash>[1]) =>
      argon2Hash(password, { memoryCost: 19_456, timeCost: 2, parallelism: 1, outputLen: 32, ...options });
    const outdated = await Promise.all([
      make({ memoryCost: 8_192 }),
      make({ timeCost: 3 }),
      make({ parallelism: 2 }),
      make({ outputLen: 16 }),
      make({ algorithm: 1 as Algorithm }), // argon2i
      make({ version: 0 as Version }), // v=16
      make({ salt: Buffer.alloc(8, 7) }),
    ]);
    for (const hash of outdated) {
      expect([hash, hasher.needsRehash(hash)]).toEqual([hash, true]);
      // Every one still verifies, with the parameters it records: that is when the caller rehashes.
      await expect(hasher.verify(hash, password)).resolves.toBe(true);
    }
    expect(hasher.needsRehash(await make({}))).toBe(false);
  });

  it('keeps DUMMY_HASH in its current parameters (regenerate it when they change)', () => {
    expect(hasher.needsRehash(DUMMY_HASH)).toBe(false);
  });

  it('makes an unknown login cost what a wrong password costs', async () => {
    const known = await hasher.hash('the real password of a real user');
    await verifyAgainstDummy(hasher, 'warm-up');
    const wrong: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 7; i++) {
      let began = performance.now();
      await hasher.verify(known, `wrong guess ${i}`);
      wrong.push(performance.now() - began);
      began = performance.now();
      await verifyAgainstDummy(hasher, `wrong guess ${i}`);
      unknown.push(performance.now() - began);
    }
    // Same work (one argon2id with the same parameters): medians within a factor of 2 even on a busy machine;
    // without the dummy, "unknown" would answer in microseconds.
    const ratio = median(unknown) / median(wrong);
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
    expect(median(unknown)).toBeGreaterThan(2);
  });

  it('throws PasswordHashMalformed for a hash whose encoding is broken past the prefix', async () => {
    const hash = await hasher.hash('some password here');
    const broken = hash.replace(/\$[^$]+$/, '$!!!!');
    await expect(hasher.verify(broken, 'some password here')).rejects.toBeInstanceOf(PasswordHashMalformed);
    expect(hasher.needsRehash(broken)).toBe(true);
  });

  it('runs at most maxConcurrent hashes at once, first come first served', async () => {
    const limited = new Argon2idPasswordHasher({
      params: { memoryCost: 1_024, timeCost: 1 },
      maxConcurrent: 1,
    });
    const finished: number[] = [];
    await Promise.all(
      [0, 1, 2, 3].map((i) => limited.hash(`password number ${i}`).then(() => finished.push(i))),
    );
    expect(finished).toEqual([0, 1, 2, 3]);
  });

  it('defaults maxConcurrent to the cores, leaving at least one libuv thread for I/O', () => {
    const previous = process.env.UV_THREADPOOL_SIZE;
    try {
      process.env.UV_THREADPOOL_SIZE = '2';
      expect(defaultMaxConcurrent()).toBe(1);
      process.env.UV_THREADPOOL_SIZE = '1';
      expect(defaultMaxConcurrent()).toBe(1);
      delete process.env.UV_THREADPOOL_SIZE;
      expect(defaultMaxConcurrent()).toBeGreaterThanOrEqual(1);
      expect(defaultMaxConcurrent()).toBeLessThanOrEqual(3);
    } finally {
      if (previous === undefined) delete process.env.UV_THREADPOOL_SIZE;
      else process.env.UV_THREADPOOL_SIZE = previous;
    }
  });

  it('refuses nonsensical parameters at construction', () => {
    expect(() => new Argon2idPasswordHasher({ params: { timeCost: 0 } })).toThrow(RangeError);
    expect(() => new Argon2idPasswordHasher({ params: { memoryCost: 1.5 } })).toThrow(RangeError);
    expect(() => new Argon2idPasswordHasher({ params: { memoryCost: 8, parallelism: 2 } })).toThrow(
      RangeError,
    );
    expect(() => new Argon2idPasswordHasher({ maxConcurrent: 0 })).toThrow(RangeError);
  });
});
