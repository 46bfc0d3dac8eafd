import { createHash, randomBytes } from 'node:crypto';
import { BASE58_ALPHABET, newLinkToken, randomBase58, randomChars, sha256Hex } from '@idp/eventing';

/**
 * One format rule and one verification path for every credential the service issues: the secret is random, sent
 * once, and only its SHA-256 is stored; verification hashes what it is given and looks the hash up. Session
 * secrets are 256-bit base64url (43 characters). User API tokens keep the TFC form
 * `<14 alnum>.atlasv1.<67 url-safe>` and are told apart from session secrets by that shape.
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

/** `at-` and 16 base58 characters (TFC-API §1.7). Not a secret; only unique. */
export const newUserTokenId = (): string => `at-${randomBase58(16)}`;

/** The user token id of a create request with an idempotency key (same key, same stream). */
export const userTokenIdFor = (userId: string, requestId: string): string => {
  const digest = createHash('sha256').update(`user-token\n${userId}\n${requestId}`, 'utf8').digest();
  return `at-${Array.from(digest.subarray(0, 16), (b) => BASE58_ALPHABET[b % BASE58_ALPHABET.length]).join('')}`;
};

/** The organization token id of a create request with an idempotency key (same key, same token id). */
export const organizationTokenIdFor = (organizationId: string, kind: string, requestId: string): string => {
  const digest = createHash('sha256')
    .update(`organization-token\n${organizationId}\n${kind}\n${requestId}`, 'utf8')
    .digest();
  return `at-${Array.from(digest.subarray(0, 16), (b) => BASE58_ALPHABET[b % BASE58_ALPHABET.length]).join('')}`;
};

/** The team token id of a create request with an idempotency key (same key, same token id). */
export const teamTokenIdFor = (teamId: string, requestId: string): string => {
  const digest = createHash('sha256').update(`team-token\n${teamId}\n${requestId}`, 'utf8').digest();
  return `at-${Array.from(digest.subarray(0, 16), (b) => BASE58_ALPHABET[b % BASE58_ALPHABET.length]).join('')}`;
};

/**
 * TFC's API token shape: 14 alphanumerics, `.atlasv1.`, 67 url-safe characters. Shared by user and organization
 * tokens (TFC does not tell them apart by shape either): verification looks the hash up in each API-token index.
 */
export const USER_TOKEN_SECRET = /^[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_-]{67}$/;

/**
 * A new API token secret (user and organization tokens): 14 alphanumerics (≈83 bits) + `.atlasv1.` + 67 base64url
 * characters (402 bits), all from the CSPRNG — far above 256 bits. Returned once; only `credentialHash` of it is
 * stored.
 */
export const newUserTokenSecret = (): string =>
  `${randomChars(ALPHABET, 14)}.atlasv1.${randomBytes(51).toString('base64url').slice(0, 67)}`;

export const isUserTokenSecret = (secret: unknown): secret is string =>
  typeof secret === 'string' && USER_TOKEN_SECRET.test(secret);

/** Organization tokens are made like user tokens (same shape, same entropy). */
export const newApiTokenSecret = newUserTokenSecret;
/** Whether a secret has the API token shape (user or organization token), as opposed to a session secret. */
export const isApiTokenSecret = isUserTokenSecret;

/**
 * The one verification path of the API tokens of teams and organizations: the stored token a secret names, or
 * null for a malformed secret, an unknown one (never issued, replaced, revoked or deleted) or one expired
 * (`expiredAt` at or before now). A good one is touched (coarse last use).
 */
export const verifiedApiToken = async <D extends { tokenId: string; expiredAt: string | null }>(
  secret: unknown,
  deps: {
    tokens: { get(id: string): Promise<D | undefined> };
    activity: { touch(tokenId: string, now: number): Promise<void> };
    clock: { now(): Date };
  },
): Promise<D | null> => {
  if (!isApiTokenSecret(secret)) return null;
  const doc = await deps.tokens.get(credentialHash(secret));
  if (!doc) return null;
  const now = deps.clock.now().getTime();
  if (doc.expiredAt !== null && Date.parse(doc.expiredAt) <= now) return null;
  await deps.activity.touch(doc.tokenId, now);
  return doc;
};
