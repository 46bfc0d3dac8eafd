import type { PasswordHasher } from './password-hasher.port';

/**
 * An argon2id hash (OWASP parameters: m=19456 KiB, t=2, p=1, the production hasher's) of 32 random bytes that were
 * thrown away: no password verifies against it. A test pins it to `Argon2idPasswordHasher`'s current parameters, so
 * changing those parameters without regenerating this constant fails the build instead of silently reopening the
 * timing side channel (`verifyAgainstDummy` would still be correct, at the price of one hash at first use).
 * Regenerate with the new parameters:
 *
 *   node -e 'require("@node-rs/argon2").hash(require("crypto").randomBytes(32),
 *     { memoryCost: 19456, timeCost: 2, parallelism: 1 }).then(console.log)'
 */
export const DUMMY_HASH =
  '$argon2id$v=19$m=19456,t=2,p=1$kYyaFg7j4WVY7nT47DvFqQ$kPiXsoy4CWj3sl3Ex5Ykjlm1naT19P01Pv0PODqeeMo';

// Hashed when DUMMY_HASH does not match a hasher's parameters (another algorithm in tests, tuned parameters). It
// need not be secret: verifyAgainstDummy answers false whatever it verifies.
const FALLBACK_DUMMY_PASSWORD = 'dummy password for timing equalisation of unknown logins';
const computedDummies = new WeakMap<PasswordHasher, Promise<string>>();

const dummyHashFor = (hasher: PasswordHasher, dummyHash: string): Promise<string> => {
  if (!hasher.needsRehash(dummyHash)) return Promise.resolve(dummyHash);
  let computed = computedDummies.get(hasher);
  if (!computed) {
    computed = hasher.hash(FALLBACK_DUMMY_PASSWORD);
    computedDummies.set(hasher, computed);
    computed.catch(() => computedDummies.delete(hasher));
  }
  return computed;
};

/**
 * Spends on a login whose account does not exist (or has no password) exactly what a wrong password costs — one
 * `verify` against a hash with the hasher's current parameters — and answers `false`. Without it, "unknown user"
 * answers in microseconds and "wrong password" in tens of milliseconds, which tells an attacker which logins exist.
 *
 * ```ts
 * const ok = account?.passwordHash
 *   ? await hasher.verify(account.passwordHash, password)
 *   : await verifyAgainstDummy(hasher, password);
 * ```
 *
 * Uses `dummyHash` when `hasher` considers it current; otherwise hashes a fixed dummy password once per hasher and
 * reuses that (call `warmUpDummyHash` at boot so the first unknown login is not slower than the others).
 */
export const verifyAgainstDummy = async (
  hasher: PasswordHasher,
  password: string,
  dummyHash: string = DUMMY_HASH,
): Promise<false> => {
  await hasher.verify(await dummyHashFor(hasher, dummyHash), password);
  return false;
};

/** Prepares `verifyAgainstDummy` for `hasher` (computes its dummy hash now if `dummyHash` does not fit it). */
export const warmUpDummyHash = async (
  hasher: PasswordHasher,
  dummyHash: string = DUMMY_HASH,
): Promise<void> => {
  await dummyHashFor(hasher, dummyHash);
};
