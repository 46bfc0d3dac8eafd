import { randomBytes } from 'node:crypto';
import type { IdGenerator } from '@idp/eventing';

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
/** Largest multiple of 58 that fits a byte: bytes at or above it are dropped, so every character is equally likely. */
const UNBIASED_LIMIT = 58 * 4;

/** `length` base58 characters from the operating system's CSPRNG, without modulo bias. */
export const randomBase58 = (length: number): string => {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte >= UNBIASED_LIMIT) continue;
      out += BASE58[byte % 58];
      if (out.length === length) break;
    }
  }
  return out;
};

/** User ids as Terraform Cloud shapes them (TFC-API §1.7): `user-` + 16 base58 characters (~94 bits). */
export const userIdGenerator: IdGenerator = { next: () => `user-${randomBase58(16)}` };

export const USER_ID_PATTERN = /^user-[1-9A-HJ-NP-Za-km-z]{1,59}$/;
