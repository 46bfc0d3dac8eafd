import { isIPv6 } from 'node:net';
import type { RequestContext } from '../http/request-context';

/**
 * The bucket a request draws from (TFC-API §1.8): its user when authenticated as a user — every credential of one user
 * (sessions, tokens) shares one budget —, its organization's token for an organization token (there is at most one per
 * organization; keyed by the organization id so that regenerating the token does not refill the bucket), otherwise its
 * client address.
 *
 * An IPv6 client is bucketed by its /64 (one subscriber's allocation, which it can rotate through at will); an
 * IPv4-mapped IPv6 address counts as the IPv4 address.
 */
export const rateLimitKey = (ctx: Pick<RequestContext, 'principal' | 'ip'>): string => {
  const { principal } = ctx;
  if (!principal) return `ip:${clientNetwork(ctx.ip)}`;
  if (principal.kind === 'organization-token') return `organization-token:${principal.organizationId}`;
  if (principal.kind === 'team-token') return `team-token:${principal.teamId}`;
  return `user:${principal.userId}`;
};

/** The address (IPv4) or /64 network (IPv6) anonymous requests are bucketed by; anything else as given. */
export const clientNetwork = (ip: string): string => {
  const address = ip.trim().toLowerCase();
  const zoneless = address.split('%')[0];
  if (!isIPv6(zoneless)) return address;
  const hextets = expandIPv6(zoneless);
  if (hextets.slice(0, 5).every((h) => h === 0) && hextets[5] === 0xffff)
    return [hextets[6] >> 8, hextets[6] & 0xff, hextets[7] >> 8, hextets[7] & 0xff].join('.');
  return `${hextets
    .slice(0, 4)
    .map((h) => h.toString(16))
    .join(':')}::/64`;
};

/** The eight hextets of a valid IPv6 address (an embedded IPv4 tail included). */
const expandIPv6 = (address: string): number[] => {
  const groups = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((g) => {
          if (!g.includes('.')) return [parseInt(g, 16)];
          const [a, b, c, d] = g.split('.').map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const gap = address.indexOf('::');
  if (gap < 0) return groups(address);
  const left = groups(address.slice(0, gap));
  const right = groups(address.slice(gap + 2));
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
};
