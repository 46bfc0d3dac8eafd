import { spec } from '@idp/eventing/testing';
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
  return { type: 'CreateTeamToken' as const, data: { ...data, now: T0, ...over } };
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

describe('team token stream', () => {
  it('is one per team', () => {
    expect(teamTokenStream(TEAM)).toBe('team-tokens-team-1');
  });
});
