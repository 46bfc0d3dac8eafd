import { newLinkToken, sha256Hex } from '@idp/eventing';

/**
 * Invitation tokens (ADR 007's link-token form): `<organizationId>.<secret>`, the secret 256 random bits in
 * base64url. The organization id routes the token to its stream; only SHA-256 of the secret part is stored
 * (`tokenHash`), so neither the store nor the read models can reproduce a token.
 */
export interface InvitationTokenParts {
  organizationId: string;
  tokenHash: string;
}

const ORGANIZATION_ID = /^org-[A-Za-z0-9]{1,64}$/;
const SECRET = /^[A-Za-z0-9_-]{32,128}$/;

export const newInvitationToken = (
  organizationId: string,
  newSecret: () => string = newLinkToken,
): { token: string; tokenHash: string } => {
  const secret = newSecret();
  return { token: `${organizationId}.${secret}`, tokenHash: sha256Hex(secret) };
};

/** The organization and hash a presented token names, or undefined when it cannot be one of ours. */
export const parseInvitationToken = (token: string): InvitationTokenParts | undefined => {
  const dot = token.indexOf('.');
  if (dot < 0) return undefined;
  const organizationId = token.slice(0, dot);
  const secret = token.slice(dot + 1);
  if (!ORGANIZATION_ID.test(organizationId) || !SECRET.test(secret)) return undefined;
  return { organizationId, tokenHash: sha256Hex(secret) };
};
