import { spec } from '@idp/eventing/testing';
import { TokenExpiryBeyondMaxTtl } from '../token-ttl-policy/token-ttl';
import { InvalidUserTokenExpiry } from '../user-token/user-token.decider';
import {
  TeamGone,
  TeamTokenAlreadyExists,
  teamTokenDecider,
  TeamTokenDescriptionTaken,
  type TeamTokenEvent,
  TeamTokenNotFound,
  teamTokenStream,
} from './team-token.decider';

const T0 = '2026-11-26T10:00:00.000Z';
const LATER = '2027-01-01T00:00:00.000Z';
const TEAM = 'team-1';
const ORG = 'org-1';

type Created = Extract<TeamTokenEvent, { type: 'TeamTokenCreated' }>['data'];

const created = (n: number, description: string | null, over: Partial<Created> = {}): TeamTokenEvent => ({
  type: 'TeamTokenCreated',
  data: {
    tokenId: `at-${n}`,
    teamId: TEAM,
    organizationId: ORG,
    description,
    expiredAt: LATER,
    tokenHash: String(n).repeat(64).slice(0, 64),
    createdAt: T0,
    createdBy: { type: 'users', id: 'user-1' },
    ...over,
  },
});
const revoked = (
  n: number,
  reason: 'replaced' | 'deleted' | 'team-deleted' | 'organization-deleted',
): TeamTokenEvent => ({
  type: 'TeamTokenRevoked',
  data: { tokenId: `at-${n}`, teamId: TEAM, organizationId: ORG, reason },
});
const closed = (reason: 'team-deleted' | 'organization-deleted' = 'team-deleted'): TeamTokenEvent => ({
  type: 'TeamTokensClosed',
  data: { teamId: TEAM, reason },
});

const create = (n: number, description: string | null, over: Record<string, unknown> = {}) => {
  const { createdAt: _c, ...data } = (created(n, description) as { data: Created }).data;
  return { type: 'CreateTeamToken' as const, data: { ...data, now: T0, maxTtlMs: null, ...over } };
};
const del = (...ns: number[]) => ({
  type: 'DeleteTeamTokens' as const,
  data: { tokenIds: ns.map((n) => `at-${n}`) },
});
const delLegacy = { type: 'DeleteLegacyTeamToken' as const, data: {} };
const close = (reason: 'team-deleted' | 'organization-deleted' = 'team-deleted') => ({
  type: 'CloseTeamTokens' as const,
  data: { teamId: TEAM, reason },
});

const team = spec(teamTokenDecider);

describe('team tokens: described tokens (TFC-API §5.1)', () => {
  it('creates described tokens side by side, holding only the hash of each secret', () => {
    team
      .given([])
      .when(create(1, 'ci'))
      .then([created(1, 'ci')]);
    team
      .given([created(1, 'ci')])
      .when(create(2, 'deploy'))
      .then([created(2, 'deploy')]);
  });

  it('a description is unique within the team: a duplicate is TOKEN.DESCRIPTION_TAKEN', () => {
    team
      .given([created(1, 'ci')])
      .when(create(2, 'ci'))
      .thenThrows(TeamTokenDescriptionTaken, {
        code: 'TOKEN.DESCRIPTION_TAKEN',
        message: 'Validation failed: Description has already been taken',
      });
  });

  it('a revoked token frees its description', () => {
    team
      .given([created(1, 'ci'), revoked(1, 'deleted')])
      .when(create(2, 'ci'))
      .then([created(2, 'ci')]);
  });

  it('creates tokens made by the organization token or by a team token, and tokens that never expire', () => {
    const byOrg = { type: 'organizations' as const, id: ORG };
    team
      .given([])
      .when(create(1, 'ci', { expiredAt: null, createdBy: byOrg }))
      .then([created(1, 'ci', { expiredAt: null, createdBy: byOrg })]);
  });

  it('refuses a redelivered create (an id already issued), even after the token was revoked', () => {
    team
      .given([created(1, 'ci')])
      .when(create(1, 'other'))
      .thenThrows(TeamTokenAlreadyExists, { code: 'TOKEN.ALREADY_EXISTS' });
    team
      .given([created(1, 'ci'), revoked(1, 'deleted')])
      .when(create(1, 'ci'))
      .thenThrows(TeamTokenAlreadyExists);
  });

  it('refuses a token expired at birth (at now exactly too)', () => {
    team
      .given([])
      .when(create(1, 'ci', { expiredAt: T0 }))
      .thenThrows(InvalidUserTokenExpiry, { code: 'TOKEN.INVALID_EXPIRY' });
  });

  it('refuses to create for a deleted team', () => {
    team.given([closed()]).when(create(1, 'ci')).thenThrows(TeamGone, { code: 'TOKEN.TEAM_NOT_FOUND' });
  });
});

describe('team tokens: the legacy token (TFC-API §5.2)', () => {
  it('creating it when there is none simply creates', () => {
    team
      .given([created(1, 'ci')])
      .when(create(2, null))
      .then([created(2, null)]);
  });

  it('regenerating revokes the current legacy token in the same decision, described tokens untouched', () => {
    team
      .given([created(1, 'ci'), created(2, null)])
      .when(create(3, null))
      .then([revoked(2, 'replaced'), created(3, null)]);
  });

  it('DELETE revokes it; none (never created, or a second DELETE) is TOKEN.NOT_FOUND', () => {
    team
      .given([created(1, 'ci'), created(2, null)])
      .when(delLegacy)
      .then([revoked(2, 'deleted')]);
    team
      .given([created(1, 'ci')])
      .when(delLegacy)
      .thenThrows(TeamTokenNotFound, { code: 'TOKEN.NOT_FOUND' });
    team
      .given([created(2, null), revoked(2, 'deleted')])
      .when(delLegacy)
      .thenThrows(TeamTokenNotFound);
  });
});

describe('team tokens: delete by id', () => {
  it('revokes each named token', () => {
    team
      .given([created(1, 'ci'), created(2, 'deploy'), created(3, null)])
      .when(del(1, 3))
      .then([revoked(1, 'deleted'), revoked(3, 'deleted')]);
  });

  it('all or nothing: one unknown or revoked id and nothing is revoked (a second DELETE is a 404)', () => {
    team
      .given([created(1, 'ci')])
      .when(del(1, 9))
      .thenThrows(TeamTokenNotFound);
    team
      .given([created(1, 'ci'), revoked(1, 'deleted')])
      .when(del(1))
      .thenThrows(TeamTokenNotFound);
  });
});

describe('team tokens: the team or its organization deleted', () => {
  it('revokes every live token and closes the stream; again, nothing', () => {
    team
      .given([created(1, 'ci'), created(2, null), created(3, 'x'), revoked(3, 'deleted')])
      .when(close())
      .then([revoked(1, 'team-deleted'), revoked(2, 'team-deleted'), closed()]);
    team
      .given([])
      .when(close('organization-deleted'))
      .then([closed('organization-deleted')]);
    team
      .given([created(1, 'ci'), revoked(1, 'team-deleted'), closed()])
      .when(close('organization-deleted'))
      .then([]);
  });

  it('nothing is left to delete after the team is gone', () => {
    team
      .given([created(1, 'ci'), revoked(1, 'team-deleted'), closed()])
      .when(del(1))
      .thenThrows(TeamTokenNotFound);
  });
});

describe('team tokens: the organization token TTL policy (TFC-API §5.4, ADR 012)', () => {
  const DAY = 24 * 60 * 60 * 1000;
  const T0_PLUS_30D = '2026-12-26T10:00:00.000Z';
  const shorten = (maxTtlMs: number) => ({ type: 'ShortenTeamTokenExpiries' as const, data: { maxTtlMs } });
  const shortened = (n: number, expiredAt: string, maxTtlMs: number): TeamTokenEvent => ({
    type: 'TeamTokenExpiryShortened',
    data: {
      tokenId: `at-${n}`,
      teamId: TEAM,
      organizationId: ORG,
      expiredAt,
      maxTtlMs,
      reason: 'ttl-policy',
    },
  });

  it('a create without expiredAt gets createdAt + max', () => {
    team
      .given([])
      .when(create(1, 'ci', { expiredAt: null, maxTtlMs: 30 * DAY }))
      .then([created(1, 'ci', { expiredAt: T0_PLUS_30D })]);
  });

  it('a create within the maximum (or at it exactly) keeps its expiredAt', () => {
    team
      .given([])
      .when(create(1, 'ci', { expiredAt: '2026-12-01T00:00:00.000Z', maxTtlMs: 30 * DAY }))
      .then([created(1, 'ci', { expiredAt: '2026-12-01T00:00:00.000Z' })]);
    team
      .given([])
      .when(create(1, 'ci', { expiredAt: T0_PLUS_30D, maxTtlMs: 30 * DAY }))
      .then([created(1, 'ci', { expiredAt: T0_PLUS_30D })]);
  });

  it('a create beyond the maximum is TOKEN.EXPIRY_BEYOND_MAX_TTL naming it, nothing decided', () => {
    team
      .given([])
      .when(create(1, 'ci', { expiredAt: LATER, maxTtlMs: 30 * DAY }))
      .thenThrows(TokenExpiryBeyondMaxTtl, {
        code: 'TOKEN.EXPIRY_BEYOND_MAX_TTL',
        message: /at most 30 days after creation/,
      });
  });

  it('shortens every live token living longer than the maximum (never-expiring ones too), to createdAt + max', () => {
    team
      .given([
        created(1, 'ci', { expiredAt: null }),
        created(2, 'deploy', { expiredAt: '2026-11-27T10:00:00.000Z' }),
        created(3, null, { expiredAt: LATER }),
        created(4, 'gone', { expiredAt: null }),
        revoked(4, 'deleted'),
      ])
      .when(shorten(30 * DAY))
      .then([shortened(1, T0_PLUS_30D, 30 * DAY), shortened(3, T0_PLUS_30D, 30 * DAY)]);
  });

  it('shortens to a bound already past: the token then stops verifying', () => {
    team
      .given([created(1, 'ci', { expiredAt: null })])
      .when(shorten(1000))
      .then([shortened(1, '2026-11-26T10:00:01.000Z', 1000)]);
  });

  it('is idempotent: the same maximum again shortens nothing; a looser one never lengthens', () => {
    const history = [created(1, 'ci', { expiredAt: null }), shortened(1, T0_PLUS_30D, 30 * DAY)];
    team
      .given(history)
      .when(shorten(30 * DAY))
      .then([]);
    team
      .given(history)
      .when(shorten(60 * DAY))
      .then([]);
  });

  it('a tighter maximum after a looser one shortens again', () => {
    team
      .given([created(1, 'ci', { expiredAt: null }), shortened(1, T0_PLUS_30D, 30 * DAY)])
      .when(shorten(DAY))
      .then([shortened(1, '2026-11-27T10:00:00.000Z', DAY)]);
  });

  it('a deleted team has nothing to shorten', () => {
    team
      .given([created(1, 'ci', { expiredAt: null }), revoked(1, 'team-deleted'), closed()])
      .when(shorten(DAY))
      .then([]);
  });
});

describe('team token stream', () => {
  it('is one per team', () => {
    expect(teamTokenStream(TEAM)).toBe('team-tokens-team-1');
  });
});
