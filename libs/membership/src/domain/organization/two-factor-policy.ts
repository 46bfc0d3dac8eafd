import type { CollaboratorAuthPolicy } from '@idp/contracts';
import type { CallerFacts } from './permissions';

/**
 * The organization's 2FA policy (`collaborator-auth-policy: two_factor_mandatory`, TFC-API §12): a member — a user,
 * owners included — without two-factor authentication is locked out of the organization's resources until they
 * enable it. Tokens that are not users (the organization token, team tokens) and the system are not members, so the
 * policy does not apply to them; outsiders see nothing anyway. `hasTwoFactor` is the caller's 2FA as the users
 * mirror knows it (undefined: unknown, which counts as none).
 *
 * Kept apart from `permissions.ts`: the policy is not a permission a team grants, it is a condition on the person.
 * What stays allowed to a locked-out member (leaving, their own memberships, invitations) is decided where those
 * requests are answered; see libs/membership/README.md "Two-factor policy".
 */
export const lockedOutByTwoFactor = (
  policy: CollaboratorAuthPolicy,
  facts: CallerFacts,
  hasTwoFactor: boolean | undefined,
): boolean => policy === 'two_factor_mandatory' && facts.kind === 'member' && hasTwoFactor !== true;
