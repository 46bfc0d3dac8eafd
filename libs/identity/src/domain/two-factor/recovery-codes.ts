import { createHash, randomBytes } from 'node:crypto';

/** How many recovery codes a set holds; each works once. */
export const RECOVERY_CODE_COUNT = 10;

const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789'; // 32 symbols: no 0/o, 1/l

/**
 * One recovery code: 16 symbols of a 32-letter alphabet from the CSPRNG (80 bits), shown as `xxxx-xxxx-xxxx-xxxx`.
 * That entropy is why a plain SHA-256 is a fair way to store them (no offline guessing is feasible).
 */
export const newRecoveryCode = (): string => {
  const bytes = randomBytes(16);
  const chars = [...bytes].map((b) => ALPHABET[b & 31]!);
  return [0, 4, 8, 12].map((i) => chars.slice(i, i + 4).join('')).join('-');
};

export const newRecoveryCodes = (): string[] => Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);

/** Case, spaces and dashes do not matter when a code is typed back. */
export const normaliseRecoveryCode = (code: string): string => code.toLowerCase().replace(/[\s-]/g, '');

export const recoveryCodeHash = (code: string): string =>
  createHash('sha256').update(normaliseRecoveryCode(code)).digest('hex');
