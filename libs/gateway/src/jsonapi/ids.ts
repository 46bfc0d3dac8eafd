import { randomBytes } from 'node:crypto';

/** Bitcoin's base58 alphabet: no `0`, `O`, `I`, `l`, so ids survive being read aloud or retyped. */
export const BASE58_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** Length of the random part of a prefixed id: 16 base58 characters ≈ 93.7 bits. */
export const PREFIXED_ID_LENGTH = 16;

const PREFIX = /^[a-z]+$/;
// 232 = 4 × 58: bytes at or above it are discarded so that every character is equally likely (no modulo bias).
const UNBIASED_LIMIT = 256 - (256 % BASE58_ALPHABET.length);

/**
 * A TFC-style opaque id: `<prefix>-` followed by 16 base58 characters from a CSPRNG (`user-`, `team-`, `ou-`,
 * `at-`, `org-`). `random` exists for deterministic tests; it must return `n` cryptographically random bytes.
 */
export const newPrefixedId = (
  prefix: string,
  random: (n: number) => Uint8Array = (n) => randomBytes(n),
): string => {
  if (!PREFIX.test(prefix)) throw new TypeError(`id prefix must be lower-case letters, got "${prefix}"`);
  let out = '';
  while (out.length < PREFIXED_ID_LENGTH) {
    for (const byte of random(PREFIXED_ID_LENGTH * 2)) {
      if (byte >= UNBIASED_LIMIT) continue;
      out += BASE58_ALPHABET[byte % BASE58_ALPHABET.length];
      if (out.length === PREFIXED_ID_LENGTH) break;
    }
  }
  return `${prefix}-${out}`;
};

const BASE58_CHARS = `[${BASE58_ALPHABET}]{${PREFIXED_ID_LENGTH}}`;

/** Whether `id` has the shape `newPrefixedId(prefix)` produces. */
export const isPrefixedId = (id: unknown, prefix: string): id is string =>
  typeof id === 'string' && PREFIX.test(prefix) && new RegExp(`^${prefix}-${BASE58_CHARS}$`).test(id);
