import { createHash, randomBytes } from 'node:crypto';
import { newLinkToken, sha256Hex } from '@idp/eventing';

/**
 * One format rule and one verification path for every credential the service issues: the secret is random, sent
 * once, and only its SHA-256 is stored; verification hashes what it is given and looks the hash up. Session
 * secrets are 256-bit base64url (43 characters). API tokens, when they arrive, keep the TFC form
 * `<14 alnum>.atlasv1.<url-safe>` and join `verifyCredential` by that shape.
 */
export const newSessionSecret = (): string => newLinkToken();

export const credentialHash = (secret: string): string => sha256Hex(secret);

/** A plausible secret: anything else is answered `null` without touching a store. */
export const isPlausibleSecret = (secret: unknown): secret is string =>
  typeof secret === 'string' && secret.length >= 32 && secret.length <= 512;

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** `sess-` and 16 alphanumerics, the TFC id style (`at-…`, `user-…`). Not a secret; only unique. */
export const newSessionId = (): string => idFrom(randomBytes(16));

/**
 * The session id of a login with an idempotency key: the same key (per user) always names the same session
 * stream, so a redelivered request cannot start a second session. The secret stays random.
 */
export const sessionIdFor = (userId: string, requestId: string): string =>
  idFrom(createHash('sha256').update(`${userId}\n${requestId}`, 'utf8').digest().subarray(0, 16));

const idFrom = (bytes: Uint8Array): string =>
  `sess-${Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join('')}`;
