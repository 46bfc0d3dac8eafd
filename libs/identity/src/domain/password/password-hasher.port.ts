import { CodedError, DomainError } from '@idp/eventing';

/**
 * Largest password a hasher accepts, in UTF-8 bytes of its normalised form (see `normalizePassword`).
 *
 * 1024 = the policy's maximum of 256 characters (code points) × 4, the longest UTF-8 encoding of one code point: a
 * password the policy accepts can always be hashed, and anything bigger is refused before it reaches the hashing
 * thread pool. Argon2 itself pre-hashes its input with BLAKE2b, so the cap is not about Argon2's cost; it bounds
 * what an unauthenticated login request can make the server copy, normalise and hash (a 10 MB "password" costs
 * nothing to send), and it keeps verify() from doing more work for a bogus input than for a real one.
 */
export const PASSWORD_MAX_BYTES = 1024;

/**
 * Turns passwords into self-describing one-way hashes and checks passwords against them.
 *
 * Semantics every implementation keeps (one contract suite, `password-hasher.contract.ts`, proves them):
 * - Both `hash` and `verify` work on `normalizePassword(password)`, so canonically equivalent spellings of one
 *   password verify against each other.
 * - A hash is an opaque, self-describing string (PHC format for Argon2): it carries its algorithm, parameters and
 *   salt, so it can be verified after the hasher's parameters change and `needsRehash` can tell it is outdated.
 *   Two hashes of one password differ (random salt).
 * - `verify` costs the same whatever the password is wrong by (constant-time comparison), and never throws for a
 *   wrong password.
 *
 * Bound in Nest modules under the `PASSWORD_HASHER` token. Use `InsecureFakePasswordHasher` in unit tests only.
 */
export interface PasswordHasher {
  /**
   * Hashes a password with the current parameters and a fresh random salt.
   * @throws PasswordTooLarge when the normalised password exceeds `PASSWORD_MAX_BYTES`, or is not well-formed
   *   Unicode (a lone surrogate); run the password policy first, which refuses both with a clearer message.
   */
  hash(password: string): Promise<string>;

  /**
   * Whether `password` is the one `hash` was made from. Resolves `false` for a wrong password, and also, without
   * hashing anything, for a password `hash()` would refuse (oversize or malformed input can never have been stored).
   * Costs one full hash with the parameters recorded in `hash` (not the current ones).
   * @throws PasswordHashMalformed when `hash` is not a hash this implementation can read (corrupt or foreign data;
   *   a login must fail loudly rather than look like a wrong password).
   */
  verify(hash: string, password: string): Promise<boolean>;

  /**
   * Whether `hash` was made with other parameters (or another algorithm) than `hash()` uses now, so that the
   * caller should re-hash the password it has just verified and store the new hash (`PasswordChanged`, reason
   * `rehashed`). Synchronous and cheap: it only parses `hash`. An unreadable hash also needs rehashing.
   */
  needsRehash(hash: string): boolean;
}

/** Dependency-injection token of the `PasswordHasher` port. */
export const PASSWORD_HASHER = Symbol('PasswordHasher');

/** A password a hasher refuses to hash: bigger than `PASSWORD_MAX_BYTES`, or not well-formed Unicode. */
export class PasswordTooLarge extends DomainError {
  constructor(reason = `is too large (maximum is ${PASSWORD_MAX_BYTES} bytes)`) {
    super('PASSWORD.TOO_LARGE', `Password ${reason}`, { attribute: 'password' });
  }
}

/** A stored hash that the hasher cannot parse: corrupt data or another scheme, never a user error. */
export class PasswordHashMalformed extends CodedError {
  constructor(options?: { cause?: unknown }) {
    super(
      'PASSWORD.HASH_MALFORMED',
      'Stored password hash is malformed or uses an unsupported scheme',
      options,
    );
  }
}
