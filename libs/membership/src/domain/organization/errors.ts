import { DomainError } from '@idp/eventing';

/**
 * The membership service's domain errors. Codes map to HTTP statuses in the gateway's one table (`*.NOT_FOUND` →
 * 404, `*_FORBIDDEN` → 403, `*.INVALID*` and `*_TAKEN` → 422, `TEAM.INVALID_MEMBERS` → 400); `attribute` becomes
 * the 422's `source.pointer`. What a caller may not see is always the NOT_FOUND of the thing asked for.
 */

export class OrganizationNotFound extends DomainError {
  constructor() {
    super('ORGANIZATION.NOT_FOUND', 'organization not found');
  }
}
export class TeamNotFound extends DomainError {
  constructor() {
    super('TEAM.NOT_FOUND', 'team not found');
  }
}
export class MembershipNotFound extends DomainError {
  constructor() {
    super('MEMBERSHIP.NOT_FOUND', 'organization membership not found');
  }
}
/** Unknown, expired, cancelled or already used: one answer (TFC-API §15). */
export class InvitationNotFound extends DomainError {
  constructor() {
    super('INVITATION.NOT_FOUND', 'invitation not found');
  }
}
export class OrganizationAlreadyExists extends DomainError {
  constructor() {
    super('ORGANIZATION.ALREADY_EXISTS', 'an organization with this id already exists');
  }
}
/** A bad attribute value (name rules, e-mail, settings). */
export class InvalidOrganizationAttribute extends DomainError {
  constructor(attribute: string, message: string) {
    super('ORGANIZATION.INVALID_ATTRIBUTE', message, { attribute });
  }
}
/** `two_factor_mandatory` while an owner has no 2FA. */
export class OwnersNeedTwoFactor extends DomainError {
  constructor(usernamesOrIds: string[]) {
    super(
      'ORGANIZATION.INVALID_COLLABORATOR_AUTH_POLICY',
      'Every owner must enable two-factor authentication before the organization can require it',
      { attribute: 'collaboratorAuthPolicy', owners: usernamesOrIds },
    );
  }
}
/**
 * A member without 2FA asked for a resource of an organization that requires it (TFC-API §12): 403 until they
 * enable two-factor authentication on their account. Tells the caller which organization and what to do.
 */
export class TwoFactorRequired extends DomainError {
  constructor(organizationName: string) {
    super(
      'ORGANIZATION.TWO_FACTOR_REQUIRED',
      `The organization ${organizationName} requires two-factor authentication, and your account has none: ` +
        'enable it (POST /api/v2/account/two-factor, then confirm a code with ' +
        'POST /api/v2/account/actions/two-factor-enable) to regain access. Until then you can still see your own ' +
        'memberships and leave the organization.',
      { organization: organizationName },
    );
  }
}
/** `1 day`, `30 days`, `2 days 3 hours`, `90 minutes` → `1 hour 30 minutes`: a maximum TTL in words. */
export const describeDuration = (ms: number): string => {
  const units: Array<[string, number]> = [
    ['day', 86_400_000],
    ['hour', 3_600_000],
    ['minute', 60_000],
    ['second', 1_000],
  ];
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${n} ${unit}${n === 1 ? '' : 's'}`);
  }
  if (rest > 0 || parts.length === 0) parts.push(`${rest} ms`);
  return parts.join(' ');
};
/**
 * A user token whose lifetime (`expired-at` − `created-at`; no `expired-at`: forever) exceeds the organization's
 * `user` token TTL policy acted in it (TFC-API §5.4, ADR 012): 403 naming the maximum. The token itself stays valid (for
 * the user's other organizations), so this is never a 401.
 */
export class TokenTtlExceeded extends DomainError {
  constructor(organizationName: string, maxTtlMs: number) {
    super(
      'ORGANIZATION.TOKEN_TTL_EXCEEDED',
      `The organization ${organizationName} accepts user tokens that live at most ${describeDuration(maxTtlMs)} ` +
        '(from created-at to expired-at), and this token lives longer (or never expires): use a user token with a ' +
        'shorter expiry, or a session, to access it. You can still see your own memberships and leave the ' +
        'organization with this token.',
      { organization: organizationName, maxTtlMs },
    );
  }
}
/** Token TTL policies are the owners' (TFC-API §5.4): another member is told so (403), anyone else gets the 404. */
export class TokenTtlPoliciesOwnersOnly extends DomainError {
  constructor() {
    super(
      'ORGANIZATION.OWNER_REQUIRED_FORBIDDEN',
      "Only owners can see or change the organization's token TTL policies",
    );
  }
}
export class TeamNameTaken extends DomainError {
  constructor() {
    super('TEAM.NAME_TAKEN', 'Name has already been taken', { attribute: 'name' });
  }
}
export class InvalidTeamAttribute extends DomainError {
  constructor(attribute: string, message: string) {
    super('TEAM.INVALID_ATTRIBUTE', message, { attribute });
  }
}
/** The owners team cannot be deleted, renamed or have its access edited (TFC-API §8.3). */
export class OwnersTeamProtected extends DomainError {
  constructor(message: string) {
    super('TEAM.INVALID_OWNERS_TEAM_CHANGE', message);
  }
}
/** Team membership changes naming users or memberships that cannot be (not in the organization, already on, not on). */
export class InvalidTeamMembers extends DomainError {
  constructor(message: string) {
    super('TEAM.INVALID_MEMBERS', message);
  }
}
/** The last active member of the owners team cannot leave or be removed from it (TFC-API §8.3, §15). */
export class LastOwner extends DomainError {
  constructor() {
    super(
      'MEMBERSHIP.LAST_OWNER_FORBIDDEN',
      'You are the last owner of this organization: add another owner or delete the organization first',
    );
  }
}
/** Invite of an e-mail that already belongs to an active member, or an invalid e-mail. */
export class InvalidInvitation extends DomainError {
  constructor(message: string) {
    super('MEMBERSHIP.INVALID_INVITATION', message, { attribute: 'email' });
  }
}
/** Accepting with an account whose confirmed e-mail is not the invited one. */
export class InvitationEmailMismatch extends DomainError {
  constructor() {
    super(
      'INVITATION.EMAIL_MISMATCH_FORBIDDEN',
      "This invitation was sent to a different e-mail address than your account's confirmed one",
    );
  }
}
/** Accepting while already an active member of the organization through another membership. */
export class AlreadyMember extends DomainError {
  constructor() {
    super('MEMBERSHIP.ALREADY_MEMBER', 'You are already a member of this organization');
  }
}
/** Organization tokens cannot create organizations or act on accounts (TFC-API §5.3). */
export class ActorNotAllowed extends DomainError {
  constructor(message = 'not allowed for this kind of token') {
    super('MEMBERSHIP.ACTOR_FORBIDDEN', message);
  }
}
/**
 * Changing who is on the owners team (adding, removing, inviting to it, removing an owner's membership) takes an
 * owner or the organization token: a manage-membership holder must not be able to make anyone, themselves
 * included, an owner.
 */
export class OwnerRequired extends DomainError {
  constructor(message = 'Only owners can change the members of the owners team') {
    super('TEAM.OWNER_REQUIRED_FORBIDDEN', message);
  }
}
/** A team attribute the caller may see but not set (organization access, a secret team it would lose sight of). */
export class TeamAttributeForbidden extends DomainError {
  constructor(attribute: string, message: string) {
    super('TEAM.ATTRIBUTE_FORBIDDEN', message, { attribute });
  }
}
