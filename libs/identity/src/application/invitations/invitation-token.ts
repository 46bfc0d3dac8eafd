import { sha256Hex } from '@idp/eventing';
import { normalizeInvitedEmail } from '../../domain/invitation/invitation.decider';
import type { InvitationsIndex } from './invitations.projection';

/** Organization ids as the membership service makes them: `org-` and base58 characters. */
export const ORGANIZATION_ID_PATTERN = /^org-[1-9A-HJ-NP-Za-km-z]{1,59}$/;

/**
 * Splits an invitation token, `<organizationId>.<secret>` (ADR 007's shape, the organization naming where to
 * look); `undefined` for anything not shaped like one. Only the secret's SHA-256 is ever compared.
 */
export const parseInvitationToken = (
  token: string,
): { organizationId: string; tokenHash: string } | undefined => {
  const parts = token.trim().split('.');
  if (
    parts.length !== 2 ||
    !ORGANIZATION_ID_PATTERN.test(parts[0]!) ||
    !/^[A-Za-z0-9_-]{16,}$/.test(parts[1]!)
  )
    return undefined;
  return { organizationId: parts[0]!, tokenHash: sha256Hex(parts[1]!) };
};

/** The invitation a sign-up names: the membership service accepts it when it sees `AccountRegistered`. */
export interface InvitationRef {
  organizationId: string;
  membershipId: string;
}

/**
 * The pending invitation a sign-up's token proves, or `undefined`: the token must be well formed, known, not
 * expired at `now`, and invite exactly `email` (compared case-insensitively). Never an error: a token that
 * proves nothing just makes an ordinary sign-up.
 */
export const invitationProvenBy = async (
  invitations: InvitationsIndex,
  token: string,
  email: string,
  now: Date,
): Promise<InvitationRef | undefined> => {
  const parsed = parseInvitationToken(token);
  if (!parsed) return undefined;
  const invitation = await invitations.byToken(parsed.organizationId, parsed.tokenHash);
  if (!invitation || invitation.tokenHash !== parsed.tokenHash) return undefined;
  if (!(now.getTime() < Date.parse(invitation.expiresAt))) return undefined;
  if (invitation.emailLower !== normalizeInvitedEmail(email)) return undefined;
  return { organizationId: invitation.organizationId, membershipId: invitation.id };
};
