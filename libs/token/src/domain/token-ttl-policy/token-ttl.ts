import { DomainError } from '@idp/eventing';

/**
 * How an organization's token TTL policy (TFC-API §5.4, docs/adr/012-token-ttl-policies.md) bounds one token: its
 * lifetime is `expired-at − created-at`, infinite without `expired-at`. Pure, shared by the team and organization
 * token deciders.
 */

/** `createdAt + maxTtlMs`, ISO 8601. */
export const boundedExpiry = (createdAt: string, maxTtlMs: number): string =>
  new Date(Date.parse(createdAt) + maxTtlMs).toISOString();

/** Whether a token created at `createdAt` expiring at `expiredAt` (null: never) lives longer than `maxTtlMs`. */
export const exceedsMaxTtl = (createdAt: string, expiredAt: string | null, maxTtlMs: number): boolean =>
  expiredAt === null || Date.parse(expiredAt) - Date.parse(createdAt) > maxTtlMs;

const UNITS: readonly [number, string][] = [
  [24 * 60 * 60 * 1000, 'day'],
  [60 * 60 * 1000, 'hour'],
  [60 * 1000, 'minute'],
  [1000, 'second'],
  [1, 'millisecond'],
];

/** A maximum for people: the largest unit that divides it exactly (`30 days`, `90 minutes`, `1500 milliseconds`). */
export const describeTtl = (ms: number): string => {
  const [unit, name] = UNITS.find(([u]) => ms % u === 0) ?? UNITS[UNITS.length - 1]!;
  const n = ms / unit;
  return `${n} ${name}${n === 1 ? '' : 's'}`;
};

/**
 * A create asked for an `expired-at` later than the organization's maximum TTL for that token type allows (TFC-API
 * §5.4). Nothing is stored; the gateway answers 422 on `expired-at`.
 */
export class TokenExpiryBeyondMaxTtl extends DomainError {
  constructor(tokenType: string, maxTtlMs: number) {
    super(
      'TOKEN.EXPIRY_BEYOND_MAX_TTL',
      `Expired at must be at most ${describeTtl(maxTtlMs)} after creation: the organization's maximum TTL for ${tokenType} tokens is ${maxTtlMs} ms`,
      { attribute: 'expiredAt', maxTtlMs },
    );
  }
}

/**
 * The `expired-at` a new token gets under a maximum TTL: the requested one when within it, `now + max` when none was
 * requested, `TokenExpiryBeyondMaxTtl` when the requested one is later. No maximum: the requested one unchanged.
 */
export const expiryWithin = (
  requested: string | null,
  now: string,
  maxTtlMs: number | null,
  tokenType: string,
): string | null => {
  if (maxTtlMs === null || maxTtlMs === undefined) return requested;
  if (requested === null) return boundedExpiry(now, maxTtlMs);
  if (exceedsMaxTtl(now, requested, maxTtlMs)) throw new TokenExpiryBeyondMaxTtl(tokenType, maxTtlMs);
  return requested;
};
