import type { CollaboratorAuthPolicy, TokenTtlPolicy } from '@idp/contracts';
import { TokenTtlExceeded, TwoFactorRequired } from './errors';
import type { UserTokenLifetime } from './organization.types';
import type { CallerFacts } from './permissions';
import { userTokenMaxExceeded } from './token-ttl-policy';
import { lockedOutByTwoFactor } from './two-factor-policy';

/** What of an organization decides a lock-out (the aggregate's state and the read model's document both have it). */
export interface LockOutPolicy {
  name: string;
  collaboratorAuthPolicy: CollaboratorAuthPolicy;
  tokenTtlPolicies?: readonly TokenTtlPolicy[];
}

/** What of the caller beyond their facts decides it: their 2FA (users mirror) and the user token they presented. */
export interface LockOutCaller {
  twoFactor?: boolean;
  userToken?: UserTokenLifetime;
}

/**
 * The one lock-out rule, used by the decider for every command and by the queries for every read: a member who may
 * see the organization is nonetheless refused its resources while
 * - the organization requires 2FA and their account has none (`TwoFactorRequired`, TFC-API §12), or
 * - they act through a user token living longer than the organization's `user` token TTL policy allows
 *   (`TokenTtlExceeded`, TFC-API §5.4, ADR 012).
 * Undefined when neither applies. What stays allowed to a locked-out member (the organization list, their own
 * memberships, leaving, invitations) is decided where those requests are answered, for both causes alike.
 */
export const lockOutOf = (
  org: LockOutPolicy,
  facts: CallerFacts,
  caller: LockOutCaller,
): TwoFactorRequired | TokenTtlExceeded | undefined => {
  if (lockedOutByTwoFactor(org.collaboratorAuthPolicy, facts, caller.twoFactor))
    return new TwoFactorRequired(org.name);
  const max = userTokenMaxExceeded(org.tokenTtlPolicies, facts, caller.userToken);
  return max === undefined ? undefined : new TokenTtlExceeded(org.name, max);
};
