import { spec } from '@idp/eventing/testing';
import { TokenExpiryBeyondMaxTtl } from '../token-ttl-policy/token-ttl';
import { InvalidUserTokenExpiry } from '../user-token/user-token.decider';
import {
  OrganizationGone,
  OrganizationTokenAlreadyExists,
  organizationTokenDecider,
  type OrganizationTokenEvent,
  OrganizationTokenNotFound,
  organizationTokenStream,
  ttlTypeOfKind,
} from './organization-token.decider';

const T0 = '2026-11-26T10:00:00.000Z';
const LATER = '2027-01-01T00:00:00.000Z';
const ORG = 'org-1';

const created = (n: number, over: Record<string, unknown> = {}): OrganizationTokenEvent => ({
  type: 'OrganizationTokenCreated',
  data: {
    tokenId: `at-${n}`,
    organizationId: ORG,
    organizationName: 'acme',
    kind: 'organization',
    expiredAt: LATER,
    tokenHash: String(n).repeat(64).slice(0, 64),
    createdAt: T0,
    createdBy: { type: 'users', id: 'user-1' },
    ...over,
  } as Extract<OrganizationTokenEvent, { type: 'OrganizationTokenCreated' }>['data'],
});
const revoked = (
  n: number,
  reason: 'replaced' | 'deleted' | 'organization-deleted',
): OrganizationTokenEvent => ({
  type: 'OrganizationTokenRevoked',
  data: { tokenId: `at-${n}`, organizationId: ORG, kind: 'organization', reason },
});
const closed: OrganizationTokenEvent = {
  type: 'OrganizationTokensClosed',
  data: { organizationId: ORG, kind: 'organization' },
};

const create = (n: number, over: Record<string, unknown> = {}) => {
  const { createdAt: _c, ...data } = (
    created(n) as Extract<OrganizationTokenEvent, { type: 'OrganizationTokenCreated' }>
  ).data;
  return { type: 'CreateOrganizationToken' as const, data: { ...data, now: T0, maxTtlMs: null, ...over } };
};
const del = { type: 'DeleteOrganizationToken' as const, data: {} };
const close = {
  type: 'CloseOrganizationTokens' as const,
  data: { organizationId: ORG, kind: 'organization' as const },
};
const rename = (organizationName: string) => ({
  type: 'RenameOrganization' as const,
  data: { organizationName },
});

const token = spec(organizationTokenDecider);

describe('organization token: create and regenerate', () => {
  it('creates the first token, holding only the hash of its secret', () => {
    token
      .given([])
      .when(create(1))
      .then([created(1)]);
  });

  it('creates a token that never expires, created by the organization token itself', () => {
    const by = { type: 'organizations', id: ORG };
    token
      .given([])
      .when(create(1, { expiredAt: null, createdBy: by }))
      .then([created(1, { expiredAt: null, createdBy: by })]);
  });

  it('regenerating revokes the current token in the same decision (one append)', () => {
    token
      .given([created(1)])
      .when(create(2))
      .then([revoked(1, 'replaced'), created(2)]);
    token
      .given([created(1), revoked(1, 'replaced'), created(2)])
      .when(create(3))
      .then([revoked(2, 'replaced'), created(3)]);
  });

  it('after a delete, a create simply creates', () => {
    token
      .given([created(1), revoked(1, 'deleted')])
      .when(create(2))
      .then([created(2)]);
  });

  it('refuses a create with an id already issued by this stream (a redelivered request), even after regeneration', () => {
    token
      .given([created(1)])
      .when(create(1))
      .thenThrows(OrganizationTokenAlreadyExists, { code: 'TOKEN.ALREADY_EXISTS' });
    token
      .given([created(1), revoked(1, 'replaced'), created(2)])
      .when(create(1))
      .thenThrows(OrganizationTokenAlreadyExists);
  });

  it('refuses a token expired at birth', () => {
    token
      .given([])
      .when(create(1, { expiredAt: T0 }))
      .thenThrows(InvalidUserTokenExpiry, { code: 'TOKEN.INVALID_EXPIRY' });
    // The current token survives a refused regeneration.
    token
      .given([created(1)])
      .when(create(2, { expiredAt: '2026-11-26T09:00:00.000Z' }))
      .thenThrows(InvalidUserTokenExpiry);
  });

  it('refuses to create for a deleted organization', () => {
    token
      .given([closed])
      .when(create(1))
      .thenThrows(OrganizationGone, { code: 'TOKEN.ORGANIZATION_NOT_FOUND' });
  });
});

describe('organization token: delete', () => {
  it('revokes the current token', () => {
    token
      .given([created(1)])
      .when(del)
      .then([revoked(1, 'deleted')]);
    token
      .given([created(1), revoked(1, 'replaced'), created(2)])
      .when(del)
      .then([revoked(2, 'deleted')]);
  });

  it('none (never created, or deleted already: a second DELETE) is TOKEN.NOT_FOUND', () => {
    token.given([]).when(del).thenThrows(OrganizationTokenNotFound, { code: 'TOKEN.NOT_FOUND' });
    token
      .given([created(1), revoked(1, 'deleted')])
      .when(del)
      .thenThrows(OrganizationTokenNotFound);
    token
      .given([created(1), revoked(1, 'organization-deleted'), closed])
      .when(del)
      .thenThrows(OrganizationTokenNotFound);
  });
});

describe('organization token: the organization deleted or renamed', () => {
  it('deletion revokes the current token and closes the stream; again, nothing', () => {
    token
      .given([created(1)])
      .when(close)
      .then([revoked(1, 'organization-deleted'), closed]);
    token.given([]).when(close).then([closed]);
    token
      .given([created(1), revoked(1, 'organization-deleted'), closed])
      .when(close)
      .then([]);
  });

  it('a rename follows the live token; nothing without one or without a change', () => {
    token
      .given([created(1)])
      .when(rename('acme-2'))
      .then([
        {
          type: 'OrganizationTokenOrganizationRenamed',
          data: { tokenId: 'at-1', organizationId: ORG, kind: 'organization', organizationName: 'acme-2' },
        },
      ]);
    token
      .given([created(1)])
      .when(rename('acme'))
      .then([]);
    token.given([]).when(rename('acme-2')).then([]);
    token
      .given([
        created(1),
        {
          type: 'OrganizationTokenOrganizationRenamed',
          data: { tokenId: 'at-1', organizationId: ORG, kind: 'organization', organizationName: 'acme-2' },
        },
      ])
      .when(rename('acme-2'))
      .then([]);
  });
});

describe('organization token stream', () => {
  it('is one per organization and kind', () => {
    expect(organizationTokenStream(ORG, 'organization')).toBe('organization-token-organization-org-1');
    expect(organizationTokenStream(ORG, 'audit-trails')).toBe('organization-token-audit-trails-org-1');
  });
});

describe('organization token: the organization token TTL policy (TFC-API §5.4, ADR 012)', () => {
  const DAY = 24 * 60 * 60 * 1000;
  const T0_PLUS_7D = '2026-12-03T10:00:00.000Z';
  const shorten = (maxTtlMs: number) => ({
    type: 'ShortenOrganizationTokenExpiry' as const,
    data: { maxTtlMs },
  });
  const shortened = (n: number, expiredAt: string, maxTtlMs: number): OrganizationTokenEvent => ({
    type: 'OrganizationTokenExpiryShortened',
    data: {
      tokenId: `at-${n}`,
      organizationId: ORG,
      kind: 'organization',
      expiredAt,
      maxTtlMs,
      reason: 'ttl-policy',
    },
  });

  it('maps kinds to policy types: organization → organization, audit-trails → audit_trails', () => {
    expect(ttlTypeOfKind('organization')).toBe('organization');
    expect(ttlTypeOfKind('audit-trails')).toBe('audit_trails');
  });

  it('a create without expiredAt gets createdAt + max; within the maximum keeps its own', () => {
    token
      .given([])
      .when(create(1, { expiredAt: null, maxTtlMs: 7 * DAY }))
      .then([created(1, { expiredAt: T0_PLUS_7D })]);
    token
      .given([])
      .when(create(1, { expiredAt: '2026-11-30T00:00:00.000Z', maxTtlMs: 7 * DAY }))
      .then([created(1, { expiredAt: '2026-11-30T00:00:00.000Z' })]);
  });

  it('a create beyond the maximum is TOKEN.EXPIRY_BEYOND_MAX_TTL naming the type and maximum', () => {
    token
      .given([created(1)])
      .when(create(2, { expiredAt: LATER, maxTtlMs: 7 * DAY }))
      .thenThrows(TokenExpiryBeyondMaxTtl, {
        code: 'TOKEN.EXPIRY_BEYOND_MAX_TTL',
        message: /at most 7 days after creation.*organization tokens/,
      });
    token
      .given([])
      .when(create(1, { kind: 'audit-trails', expiredAt: LATER, maxTtlMs: 7 * DAY }))
      .thenThrows(TokenExpiryBeyondMaxTtl, { message: /audit_trails tokens/ });
  });

  it('shortens the current token living longer than the maximum to createdAt + max', () => {
    token
      .given([created(1, { expiredAt: null })])
      .when(shorten(7 * DAY))
      .then([shortened(1, T0_PLUS_7D, 7 * DAY)]);
    token
      .given([created(1)])
      .when(shorten(7 * DAY))
      .then([shortened(1, T0_PLUS_7D, 7 * DAY)]);
  });

  it('leaves a token within the maximum, a deleted one, and no token alone', () => {
    token
      .given([created(1, { expiredAt: '2026-11-27T10:00:00.000Z' })])
      .when(shorten(7 * DAY))
      .then([]);
    token
      .given([created(1, { expiredAt: null }), revoked(1, 'deleted')])
      .when(shorten(7 * DAY))
      .then([]);
    token
      .given([])
      .when(shorten(7 * DAY))
      .then([]);
  });

  it('is idempotent: the same maximum again shortens nothing; a looser one never lengthens', () => {
    const history = [created(1, { expiredAt: null }), shortened(1, T0_PLUS_7D, 7 * DAY)];
    token
      .given(history)
      .when(shorten(7 * DAY))
      .then([]);
    token
      .given(history)
      .when(shorten(30 * DAY))
      .then([]);
  });

  it('a regenerated token is judged on its own creation', () => {
    token
      .given([created(1, { expiredAt: null }), shortened(1, T0_PLUS_7D, 7 * DAY), revoked(1, 'replaced')])
      .when(shorten(7 * DAY))
      .then([]);
  });
});
