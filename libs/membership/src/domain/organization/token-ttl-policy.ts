import { TOKEN_TTL_TYPES, type TokenTtlPolicy, type TokenTtlType } from '@idp/contracts';
import type { UserTokenLifetime } from './organization.types';
import type { CallerFacts } from './permissions';

/**
 * Token TTL policies (TFC-API §5.4, ADR 012). The organization aggregate owns them; the token service applies them to
 * team and organization tokens, this service to user tokens acting in the organization (below).
 */

/**
 * The maximum a member's user token exceeds in this organization, or undefined when it does not apply: only a
 * *member* acting through a user token (`meta.actor.userToken`) is bound — sessions are not API tokens, and the
 * organization and team tokens are the token service's (it shortens them). A token's lifetime is
 * `expiredAt − createdAt`; one without `expiredAt` lives forever and exceeds any maximum; an unreadable instant
 * counts as exceeding (fail closed).
 */
export const userTokenMaxExceeded = (
  policies: readonly TokenTtlPolicy[] | undefined,
  facts: CallerFacts,
  userToken: UserTokenLifetime | undefined,
): number | undefined => {
  if (facts.kind !== 'member' || !userToken) return undefined;
  const max = policies?.find((p) => p.tokenType === 'user')?.maxTtlMs;
  if (max === undefined) return undefined;
  if (userToken.expiredAt === null) return max;
  const lifetime = Date.parse(userToken.expiredAt) - Date.parse(userToken.createdAt);
  return lifetime <= max ? undefined : max;
};

/**
 * The policies after setting `changes` on `current` (at `now`): listed types get the new maximum (`createdAt` kept
 * when the type had one, `updatedAt` = now), the others are kept; in `TOKEN_TTL_TYPES` order.
 */
export const mergeTokenTtlPolicies = (
  current: readonly TokenTtlPolicy[],
  changes: ReadonlyArray<{ tokenType: TokenTtlType; maxTtlMs: number }>,
  now: string,
): TokenTtlPolicy[] =>
  TOKEN_TTL_TYPES.flatMap((tokenType): TokenTtlPolicy[] => {
    const before = current.find((p) => p.tokenType === tokenType);
    const change = changes.find((c) => c.tokenType === tokenType);
    if (!change) return before ? [before] : [];
    return [{ tokenType, maxTtlMs: change.maxTtlMs, createdAt: before?.createdAt ?? now, updatedAt: now }];
  });

/** Whether two policy sets say the same (a set that changes nothing appends nothing). */
export const samePolicies = (a: readonly TokenTtlPolicy[], b: readonly TokenTtlPolicy[]): boolean =>
  a.length === b.length &&
  a.every((p, i) => p.tokenType === b[i]!.tokenType && p.maxTtlMs === b[i]!.maxTtlMs);
