import { availableParallelism } from 'node:os';
import { hash as argon2Hash, parseOptions, verify as argon2Verify } from '@node-rs/argon2';
import type { Algorithm, Options, Version } from '@node-rs/argon2';
import { type PasswordHasher, PasswordHashMalformed, PasswordTooLarge } from '../../domain/password';
import { passwordBytes } from './password-input';

// `Algorithm` and `Version` are `const enum`s in the library's typings but are not exported at run time, and SWC
// compiles files in isolation (no const-enum inlining): use their values.
const ARGON2ID = 2 as Algorithm;
const VERSION_0x13 = 1 as Version;

/** Argon2id cost parameters, as encoded in a PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`). */
export interface Argon2idParams {
  /** Memory in KiB (`m`). */
  readonly memoryCost: number;
  /** Passes over memory (`t`). */
  readonly timeCost: number;
  /** Lanes (`p`); each lane is computed on one thread. */
  readonly parallelism: number;
  /** Raw hash length in bytes. */
  readonly outputLen: number;
}

/**
 * OWASP Password Storage Cheat Sheet, argon2id, first option: m = 19 MiB, t = 2, p = 1 (≈ 25-40 ms a hash on one
 * core here; see bench/identity). 16-byte random salt (the library's), 32-byte output.
 */
export const OWASP_ARGON2ID_PARAMS: Argon2idParams = Object.freeze({
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
  outputLen: 32,
});

const MIN_SALT_BYTES = 16;

export interface Argon2idPasswordHasherOptions {
  /** Cost parameters; default `OWASP_ARGON2ID_PARAMS`. Changing them makes older hashes `needsRehash`. */
  readonly params?: Partial<Argon2idParams>;
  /**
   * How many hashes/verifications run at once; the others wait in order. Default: the number of cores, but at
   * most libuv's thread-pool size minus one. @node-rs/argon2 runs on libuv's thread pool (UV_THREADPOOL_SIZE,
   * default 4), which file system, DNS (dns.lookup, so every new database/broker connection), zlib and async crypto
   * share: unbounded logins would queue those behind argon2 and starve the service. More concurrent hashes than
   * cores add no throughput, and each holds `memoryCost` KiB while it runs, so the limit also bounds memory
   * (2 × 19 MiB by default on two cores).
   */
  readonly maxConcurrent?: number;
}

const threadPoolSize = (): number => {
  const size = Number(process.env.UV_THREADPOOL_SIZE);
  return Number.isInteger(size) && size > 0 ? size : 4;
};

export const defaultMaxConcurrent = (): number =>
  Math.max(1, Math.min(availableParallelism(), threadPoolSize() - 1));

/** First-come, first-served limit on concurrent operations. */
class Semaphore {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async run<T>(operation: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await operation();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

/**
 * `PasswordHasher` with argon2id (`@node-rs/argon2`, Rust `argon2` crate): PHC-encoded hashes, constant-time
 * verification (the library's), rehash detection against the configured parameters.
 */
export class Argon2idPasswordHasher implements PasswordHasher {
  readonly params: Argon2idParams;
  private readonly options: Options;
  private readonly limiter: Semaphore;

  constructor(options: Argon2idPasswordHasherOptions = {}) {
    this.params = Object.freeze({ ...OWASP_ARGON2ID_PARAMS, ...options.params });
    const { memoryCost, timeCost, parallelism, outputLen } = this.params;
    for (const [name, value] of Object.entries(this.params))
      if (!Number.isInteger(value) || value < 1)
        throw new RangeError(`argon2id ${name} must be a positive integer`);
    if (memoryCost < 8 * parallelism)
      throw new RangeError('argon2id memoryCost must be at least 8 × parallelism KiB');
    const maxConcurrent = options.maxConcurrent ?? defaultMaxConcurrent();
    if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1)
      throw new RangeError('maxConcurrent must be a positive integer');
    this.options = {
      algorithm: ARGON2ID,
      version: VERSION_0x13,
      memoryCost,
      timeCost,
      parallelism,
      outputLen,
    };
    this.limiter = new Semaphore(maxConcurrent);
  }

  async hash(password: string): Promise<string> {
    const bytes = passwordBytes(password);
    if (!bytes) throw new PasswordTooLarge();
    return this.limiter.run(() => argon2Hash(bytes, this.options));
  }

  async verify(hash: string, password: string): Promise<boolean> {
    // Parse first: a corrupt hash must not look like a wrong password, and must not cost a thread-pool slot.
    this.parse(hash);
    const bytes = passwordBytes(password);
    if (!bytes) return false;
    try {
      return await this.limiter.run(() => argon2Verify(hash, bytes));
    } catch (error) {
      throw new PasswordHashMalformed({ cause: error });
    }
  }

  needsRehash(hash: string): boolean {
    let stored: ReturnType<typeof parseOptions>;
    try {
      stored = this.parse(hash);
    } catch {
      return true;
    }
    const wanted = this.params;
    return (
      stored.algorithm !== ARGON2ID ||
      stored.version !== VERSION_0x13 ||
      stored.memoryCost !== wanted.memoryCost ||
      stored.timeCost !== wanted.timeCost ||
      stored.parallelism !== wanted.parallelism ||
      stored.outputLen !== wanted.outputLen ||
      stored.saltLen < MIN_SALT_BYTES
    );
  }

  private parse(hash: string) {
    if (typeof hash !== 'string' || !hash.startsWith('$argon2')) throw new PasswordHashMalformed();
    try {
      return parseOptions(hash);
    } catch (error) {
      throw new PasswordHashMalformed({ cause: error });
    }
  }
}
