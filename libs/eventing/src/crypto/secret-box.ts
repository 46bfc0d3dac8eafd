import {
  createCipheriv,
  createDecipheriv,
  createHash,
  hash,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { CodedError } from '../errors/coded-error';

/** A sealed value could not be opened: wrong key, unknown key id, or tampered text. Never retried. */
export class SealedValueInvalid extends CodedError {
  constructor(reason: string) {
    super('CRYPTO.SEALED_VALUE_INVALID', `sealed value cannot be opened: ${reason}`);
  }
}

const VERSION = 'v1';

/**
 * Authenticated encryption (AES-256-GCM) of small secrets that must travel or rest inside events: e-mailed link
 * tokens, TOTP secrets. The sealed form is `v1.<keyId>.<iv>.<ciphertext+tag>` (base64url), so keys can rotate:
 * the box seals with its first key and opens with any of them. `context` is bound as associated data, so a value
 * sealed for one purpose (`email-confirmation`) cannot be replayed as another (`totp-secret`).
 */
export class SecretBox {
  private readonly keys: Map<string, Buffer>;
  private readonly current: string;

  /** `keys`: 32-byte keys, newest first. */
  constructor(keys: readonly Buffer[]) {
    if (keys.length === 0) throw new Error('SecretBox needs at least one key');
    for (const k of keys) if (k.length !== 32) throw new Error('SecretBox keys must be 32 bytes');
    this.keys = new Map(keys.map((k) => [keyId(k), k]));
    this.current = keyId(keys[0]!);
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.current)!, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return [VERSION, this.current, iv.toString('base64url'), body.toString('base64url')].join('.');
  }

  open(sealed: string, context: string): string {
    const parts = typeof sealed === 'string' ? sealed.split('.') : [];
    if (parts.length !== 4 || parts[0] !== VERSION) throw new SealedValueInvalid('not a sealed value');
    const key = this.keys.get(parts[1]!);
    if (!key) throw new SealedValueInvalid('sealed with an unknown key');
    const iv = Buffer.from(parts[2]!, 'base64url');
    const body = Buffer.from(parts[3]!, 'base64url');
    if (iv.length !== 12 || body.length < 16) throw new SealedValueInvalid('malformed');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(body.subarray(body.length - 16));
      return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new SealedValueInvalid('authentication failed');
    }
  }
}

/** Short public id of a key (not secret-revealing: a truncated hash). */
const keyId = (key: Buffer) => createHash('sha256').update(key).digest('base64url').slice(0, 8);

/** A random token for e-mailed links: 256 bits, base64url. */
export const newLinkToken = (): string => randomBytes(32).toString('base64url');

/** SHA-256 (hex) of a token: what is stored and compared; lookups by hash leak nothing about the secret. */
// One-shot `crypto.hash` (Node ≥ 20.12): no Hash object per call; the gateway hashes the credential of every request.
export const sha256Hex = (value: string): string => hash('sha256', value, 'hex');

/** Constant-time equality of two hex digests. */
export const sameDigest = (a: string, b: string): boolean => {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
};
