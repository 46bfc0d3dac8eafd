import { randomBytes } from 'node:crypto';

/** The base58 alphabet of TFC-style ids (no 0, O, I, l). */
export const BASE58_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** `length` characters of `alphabet` from the operating system's CSPRNG, by rejection sampling (no modulo bias). */
export const randomChars = (alphabet: string, length: number): string => {
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length)
    for (const byte of randomBytes(length * 2)) {
      if (byte >= limit) continue;
      out += alphabet[byte % alphabet.length];
      if (out.length === length) break;
    }
  return out;
};

/** `length` base58 characters from the CSPRNG, without modulo bias. */
export const randomBase58 = (length: number): string => randomChars(BASE58_ALPHABET, length);

/** A TFC-style id (TFC-API §1.7): `prefix-` and 16 base58 characters (~94 bits), e.g. `team-…`, `ou-…`, `org-…`. */
export const prefixedId = (prefix: string): string => `${prefix}-${randomBase58(16)}`;
