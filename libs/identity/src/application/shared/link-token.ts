import { newLinkToken, type SecretBox, sha256Hex } from '@idp/eventing';
import { InvalidToken } from '../../domain/account/account.decider';
import { USER_ID_PATTERN } from './user-ids';

/** What the account decider keeps of an e-mailed token. */
export interface PendingLinkToken {
  tokenHash: string;
  expiresAt: string;
  sealedToken: string;
}

/**
 * E-mailed link tokens are `<userId>.<secret>`: the user id names the account stream, so a token is checked by
 * folding one stream (strongly consistent, no lookup table, no read model), and only the SHA-256 of the 256-bit
 * secret is stored. Knowing a user id gains nothing: the secret is what is checked.
 */
export const issueLinkToken = (
  secretBox: SecretBox,
  userId: string,
  context: string,
  now: Date,
  ttlMs: number,
): { token: string; pending: PendingLinkToken } => {
  const secret = newLinkToken();
  const token = `${userId}.${secret}`;
  return {
    token,
    pending: {
      tokenHash: sha256Hex(secret),
      expiresAt: new Date(now.getTime() + ttlMs).toISOString(),
      sealedToken: secretBox.seal(token, context),
    },
  };
};

/** Splits a link token; `InvalidToken` for anything not shaped like one. */
export const parseLinkToken = (token: string): { userId: string; tokenHash: string } => {
  const parts = token.trim().split('.');
  if (parts.length !== 2 || !USER_ID_PATTERN.test(parts[0]!) || !/^[A-Za-z0-9_-]{16,}$/.test(parts[1]!))
    throw new InvalidToken();
  return { userId: parts[0]!, tokenHash: sha256Hex(parts[1]!) };
};

export const EMAIL_CONFIRMATION_TTL_MS = 24 * 60 * 60 * 1000;
export const PASSWORD_RESET_TTL_MS = 60 * 60 * 1000;
