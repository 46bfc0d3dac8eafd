import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { type PasswordHasher, PasswordHashMalformed, PasswordTooLarge } from '../../domain/password';
import { passwordBytes } from './password-input';

const PREFIX = '$insecure-fake-sha256$';
const FORMAT = /^\$insecure-fake-sha256\$v=(\d+)\$([A-Za-z0-9+/]{22})\$([A-Za-z0-9+/]{43})$/;

/**
 * FOR UNIT TESTS ONLY: one salted SHA-256 (microseconds instead of argon2id's tens of milliseconds), which offers no
 * protection against offline guessing. It keeps every other promise of the `PasswordHasher` contract (same
 * normalisation and input cap, random salt, constant-time comparison, malformed-hash errors), so tests of the
 * identity service behave as in production, only faster. `version` stands for the cost parameters: a hasher built
 * with another version reports older hashes as `needsRehash`, to test the rehash-on-login path.
 *
 * Refuses to be constructed when NODE_ENV is `production`; never bind it outside test modules.
 */
export class InsecureFakePasswordHasher implements PasswordHasher {
  constructor(private readonly version = 1) {
    if (process.env.NODE_ENV === 'production')
      throw new Error('InsecureFakePasswordHasher is for unit tests and must not run in production');
    if (!Number.isInteger(version) || version < 0)
      throw new RangeError('version must be a non-negative integer');
  }

  async hash(password: string): Promise<string> {
    const bytes = passwordBytes(password);
    if (!bytes) throw new PasswordTooLarge();
    const salt = randomBytes(16);
    return `${PREFIX}v=${this.version}$${b64(salt)}$${b64(digest(this.version, salt, bytes))}`;
  }

  async verify(hash: string, password: string): Promise<boolean> {
    const { version, salt, digest: stored } = parse(hash);
    const bytes = passwordBytes(password);
    if (!bytes) return false;
    return timingSafeEqual(digest(version, salt, bytes), stored);
  }

  needsRehash(hash: string): boolean {
    try {
      return parse(hash).version !== this.version;
    } catch {
      return true;
    }
  }
}

const b64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');

const digest = (version: number, salt: Buffer, password: Buffer) =>
  createHash('sha256').update(`v=${version}$`).update(salt).update(password).digest();

const parse = (hash: string) => {
  const match = typeof hash === 'string' ? FORMAT.exec(hash) : null;
  if (!match) throw new PasswordHashMalformed();
  return {
    version: Number(match[1]),
    salt: Buffer.from(match[2], 'base64'),
    digest: Buffer.from(match[3], 'base64'),
  };
};
