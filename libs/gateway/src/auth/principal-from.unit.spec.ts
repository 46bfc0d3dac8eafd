import { actorOf } from '../bus/service-client';
import { userIdOf } from '../http/request-context';
import { principalFrom } from './authentication.guard';

const NOW = Date.parse('2026-11-26T10:00:00.000Z');
const LATER = '2026-11-26T11:00:00.000Z';
const EARLIER = '2026-11-26T09:00:00.000Z';

describe('principalFrom: the token service answer, checked', () => {
  const team = {
    kind: 'team-token',
    tokenId: 'at-9',
    teamId: 'team-1',
    organizationId: 'org-1',
    expiresAt: LATER,
  };

  it('a team token: its team, acting as the team (meta.actor kind team), no user', () => {
    expect(principalFrom(team, NOW)).toEqual(team);
    expect(principalFrom({ ...team, userId: 'user-1' }, NOW)).not.toHaveProperty('userId');
    const principal = principalFrom(team, NOW)!;
    expect(actorOf(principal)).toEqual({ kind: 'team', id: 'team-1' });
    expect(() => userIdOf(principal)).toThrow();
  });

  it.each([
    ['expired', { ...team, expiresAt: EARLIER }],
    ['expiring now', { ...team, expiresAt: new Date(NOW).toISOString() }],
    ['no team id', { ...team, teamId: '' }],
    ['no organization id', { ...team, organizationId: undefined }],
    ['no token id', { ...team, tokenId: 7 }],
  ])('a team token with %s is no principal', (_, reply) => {
    expect(principalFrom(reply, NOW)).toBeUndefined();
  });

  const org = {
    kind: 'organization-token',
    tokenId: 'at-1',
    organizationId: 'org-1',
    organizationName: 'acme',
    tokenKind: 'organization',
    expiresAt: null,
  };

  it('an organization token: its organization, no user', () => {
    expect(principalFrom(org, NOW)).toEqual(org);
    expect(principalFrom({ ...org, tokenKind: 'audit-trails', expiresAt: LATER }, NOW)).toEqual({
      ...org,
      tokenKind: 'audit-trails',
      expiresAt: LATER,
    });
    // Extra members (a userId smuggled in) are not carried over.
    expect(principalFrom({ ...org, userId: 'user-1' }, NOW)).not.toHaveProperty('userId');
  });

  it.each([
    ['expired', { ...org, expiresAt: EARLIER }],
    ['expiring now', { ...org, expiresAt: new Date(NOW).toISOString() }],
    ['an unparseable expiry', { ...org, expiresAt: 'soon' }],
    ['no expiry member', { ...org, expiresAt: undefined }],
    ['an unknown kind', { ...org, tokenKind: 'team' }],
    ['no organization id', { ...org, organizationId: '' }],
    ['no organization name', { ...org, organizationName: undefined }],
    ['no token id', { ...org, tokenId: 7 }],
  ])('an organization token with %s is no principal', (_, reply) => {
    expect(principalFrom(reply, NOW)).toBeUndefined();
  });

  it('sessions and user tokens as before', () => {
    expect(principalFrom({ kind: 'session', userId: 'u', sessionId: 's', expiresAt: LATER }, NOW)).toEqual({
      kind: 'session',
      userId: 'u',
      sessionId: 's',
      expiresAt: LATER,
    });
    const userToken = { kind: 'user-token', userId: 'u', tokenId: 't', expiresAt: null, createdAt: EARLIER };
    expect(principalFrom(userToken, NOW)).toEqual(userToken);
    expect(principalFrom({ ...userToken, userId: '' }, NOW)).toBeUndefined();
    // Its creation is what a `user` token TTL policy bounds with the expiry (TFC-API §5.4): required.
    expect(principalFrom({ ...userToken, createdAt: undefined }, NOW)).toBeUndefined();
    expect(principalFrom({ ...userToken, createdAt: 'yesterday' }, NOW)).toBeUndefined();
    expect(
      principalFrom({ kind: 'session', userId: 'u', sessionId: 's', expiresAt: null }, NOW),
    ).toBeUndefined();
  });
});

describe('who a principal is to the services', () => {
  it('an organization token acts as its organization and has no user id (404 on user routes)', () => {
    const principal = principalFrom(
      {
        kind: 'organization-token',
        tokenId: 'at-1',
        organizationId: 'org-1',
        organizationName: 'acme',
        tokenKind: 'organization',
        expiresAt: null,
      },
      NOW,
    )!;
    expect(actorOf(principal)).toEqual({ kind: 'organization', id: 'org-1' });
    expect(() => userIdOf(principal)).toThrow(expect.objectContaining({ status: 404 }));
  });

  it('a session or user token acts as its user; a user token also names itself and its lifetime', () => {
    const principal = {
      kind: 'user-token' as const,
      userId: 'user-1',
      tokenId: 'at-1',
      expiresAt: LATER,
      createdAt: EARLIER,
    };
    expect(actorOf(principal)).toEqual({
      kind: 'user',
      id: 'user-1',
      userToken: { tokenId: 'at-1', createdAt: EARLIER, expiredAt: LATER },
    });
    expect(actorOf({ ...principal, expiresAt: null }).userToken).toEqual({
      tokenId: 'at-1',
      createdAt: EARLIER,
      expiredAt: null,
    });
    expect(userIdOf(principal)).toBe('user-1');
    const session = { kind: 'session' as const, userId: 'user-1', sessionId: 's-1', expiresAt: LATER };
    expect(actorOf(session)).toEqual({ kind: 'user', id: 'user-1' });
  });
});
