import { spec } from '@idp/eventing/testing';
import { InvalidUserTokenExpiry } from '../user-token/user-token.decider';
import {
  OrganizationGone,
  OrganizationTokenAlreadyExists,
  organizationTokenDecider,
  type OrganizationTokenEvent,
  OrganizationTokenNotFound,
  organizationTokenStream,
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
  return { type: 'CreateOrganizationToken' as const, data: { ...data, now: T0, ...over } };
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
