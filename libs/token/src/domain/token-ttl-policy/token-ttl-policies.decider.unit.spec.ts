import { spec } from '@idp/eventing/testing';
import {
  tokenTtlPoliciesDecider,
  type TokenTtlPoliciesEvent,
  tokenTtlPoliciesStream,
} from './token-ttl-policies.decider';
import { boundedExpiry, describeTtl, exceedsMaxTtl, expiryWithin } from './token-ttl';

const ORG = 'org-1';
const STREAM = 'organization-org-1';
const source = (revision: number, stream = STREAM) => ({
  membershipEventId: `evt-${revision}`,
  membershipStream: stream,
  membershipRevision: revision,
});
const TEAM_30D = { tokenType: 'team' as const, maxTtlMs: 30 * 86_400_000 };
const ORG_7D = { tokenType: 'organization' as const, maxTtlMs: 7 * 86_400_000 };

const record = (revision: number, policies: (typeof TEAM_30D | typeof ORG_7D)[], stream = STREAM) => ({
  type: 'RecordTokenTtlPolicies' as const,
  data: { organizationId: ORG, policies, ...source(revision, stream) },
});
const recorded = (
  revision: number,
  policies: (typeof TEAM_30D | typeof ORG_7D)[],
  stream = STREAM,
): TokenTtlPoliciesEvent => ({
  type: 'TokenTtlPoliciesRecorded',
  data: { organizationId: ORG, policies, ...source(revision, stream) },
});
const forget = (revision: number) => ({
  type: 'ForgetTokenTtlPolicies' as const,
  data: { organizationId: ORG, ...source(revision) },
});
const forgotten = (revision: number): TokenTtlPoliciesEvent => ({
  type: 'TokenTtlPoliciesForgotten',
  data: { organizationId: ORG, ...source(revision) },
});

const policies = spec(tokenTtlPoliciesDecider);

describe('token TTL policies as the token service records them (ADR 012)', () => {
  it('records the whole set of each OrganizationTokenTtlPoliciesSet', () => {
    policies
      .given([])
      .when(record(3, [TEAM_30D]))
      .then([recorded(3, [TEAM_30D])]);
    policies
      .given([recorded(3, [TEAM_30D])])
      .when(record(5, [TEAM_30D, ORG_7D]))
      .then([recorded(5, [TEAM_30D, ORG_7D])]);
  });

  it('a redelivery (same or earlier revision of the organization stream) or an equal set records nothing', () => {
    policies
      .given([recorded(5, [TEAM_30D])])
      .when(record(5, [TEAM_30D]))
      .then([]);
    policies
      .given([recorded(5, [TEAM_30D])])
      .when(record(4, [ORG_7D]))
      .then([]);
    policies
      .given([recorded(5, [TEAM_30D])])
      .when(record(6, [TEAM_30D]))
      .then([]);
  });

  it('the organization deleted: forgotten, and nothing is recorded after; never recorded: nothing to forget', () => {
    policies
      .given([recorded(5, [TEAM_30D])])
      .when(forget(9))
      .then([forgotten(9)]);
    policies
      .given([recorded(5, [TEAM_30D]), forgotten(9)])
      .when(record(10, [ORG_7D]))
      .then([]);
    policies.given([]).when(forget(9)).then([]);
  });

  it('is one stream per organization', () => {
    expect(tokenTtlPoliciesStream(ORG)).toBe('token-ttl-policies-org-1');
  });
});

describe('token lifetime against a maximum', () => {
  const T0 = '2026-11-26T10:00:00.000Z';
  it('a lifetime is expiredAt − createdAt, infinite without expiredAt', () => {
    expect(exceedsMaxTtl(T0, null, 1)).toBe(true);
    expect(exceedsMaxTtl(T0, '2026-11-26T10:00:01.000Z', 1000)).toBe(false);
    expect(exceedsMaxTtl(T0, '2026-11-26T10:00:01.001Z', 1000)).toBe(true);
    expect(boundedExpiry(T0, 1000)).toBe('2026-11-26T10:00:01.000Z');
  });

  it('a new token: none requested → now + max; within → as asked; beyond → refused; no maximum → as asked', () => {
    expect(expiryWithin(null, T0, 1000, 'team')).toBe('2026-11-26T10:00:01.000Z');
    expect(expiryWithin('2026-11-26T10:00:00.500Z', T0, 1000, 'team')).toBe('2026-11-26T10:00:00.500Z');
    expect(() => expiryWithin('2026-11-26T10:00:02.000Z', T0, 1000, 'team')).toThrow(
      expect.objectContaining({ code: 'TOKEN.EXPIRY_BEYOND_MAX_TTL' }) as Error,
    );
    expect(expiryWithin(null, T0, null, 'team')).toBeNull();
  });

  it('describes a maximum in the largest exact unit', () => {
    expect(describeTtl(30 * 86_400_000)).toBe('30 days');
    expect(describeTtl(86_400_000)).toBe('1 day');
    expect(describeTtl(90 * 60_000)).toBe('90 minutes');
    expect(describeTtl(1500)).toBe('1500 milliseconds');
  });
});
