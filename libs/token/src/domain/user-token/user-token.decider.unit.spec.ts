import { spec } from '@idp/eventing/testing';
import {
  InvalidUserTokenExpiry,
  UserTokenAlreadyExists,
  userTokenDecider,
  type UserTokenEvent,
  UserTokenNotFound,
} from './user-token.decider';
import { tokenOwnerDecider } from './token-owner.decider';

const T0 = '2026-11-26T10:00:00.000Z';
const LATER = '2027-01-01T00:00:00.000Z';
const HASH = 'a'.repeat(64);

const created: UserTokenEvent = {
  type: 'UserTokenCreated',
  data: {
    tokenId: 'at-1',
    userId: 'user-1',
    description: 'ci',
    expiredAt: LATER,
    tokenHash: HASH,
    createdAt: T0,
    createdBy: 'user-1',
  },
};
const revoked = (reason: 'revoked' | 'account-deleted' = 'revoked'): UserTokenEvent => ({
  type: 'UserTokenRevoked',
  data: { tokenId: 'at-1', userId: 'user-1', reason },
});

const token = spec(userTokenDecider);

describe('user token: create', () => {
  const create = (over: Record<string, unknown> = {}) => ({
    type: 'CreateUserToken' as const,
    data: {
      tokenId: 'at-1',
      userId: 'user-1',
      description: 'ci',
      expiredAt: LATER as string | null,
      tokenHash: HASH,
      now: T0,
      createdBy: 'user-1',
      ...over,
    },
  });

  it('creates a token holding only the hash of its secret', () => {
    token.given([]).when(create()).then([created]);
  });

  it('creates a token that never expires, without a description', () => {
    token
      .given([])
      .when(create({ expiredAt: null, description: null }))
      .then([{ ...created, data: { ...created.data, expiredAt: null, description: null } }]);
  });

  it('refuses a second create on the same id', () => {
    token
      .given([created])
      .when(create())
      .thenThrows(UserTokenAlreadyExists, { code: 'TOKEN.ALREADY_EXISTS' });
    token.given([created, revoked()]).when(create()).thenThrows(UserTokenAlreadyExists);
  });

  it('refuses a token expired at birth (expired-at at or before now)', () => {
    token
      .given([])
      .when(create({ expiredAt: T0 }))
      .thenThrows(InvalidUserTokenExpiry, { code: 'TOKEN.INVALID_EXPIRY' });
    token
      .given([])
      .when(create({ expiredAt: '2026-11-26T09:59:59.999Z' }))
      .thenThrows(InvalidUserTokenExpiry);
  });
});

describe('user token: revoke', () => {
  const revoke = (ownerId = 'user-1', reason: 'revoked' | 'account-deleted' = 'revoked') => ({
    type: 'RevokeUserToken' as const,
    data: { ownerId, reason },
  });

  it('revokes a live token of its owner', () => {
    token.given([created]).when(revoke()).then([revoked()]);
    token
      .given([created])
      .when(revoke('user-1', 'account-deleted'))
      .then([revoked('account-deleted')]);
  });

  it("answers TOKEN.NOT_FOUND for an unknown token or someone else's", () => {
    token.given([]).when(revoke()).thenThrows(UserTokenNotFound, { code: 'TOKEN.NOT_FOUND' });
    token.given([created]).when(revoke('user-2')).thenThrows(UserTokenNotFound);
  });

  it('a second revocation by the owner is TOKEN.NOT_FOUND (a second DELETE is a 404); by the system, nothing', () => {
    token.given([created, revoked()]).when(revoke()).thenThrows(UserTokenNotFound);
    token.given([created, revoked()]).when(revoke('user-1', 'account-deleted')).then([]);
  });
});

describe('token owner: suspension', () => {
  const owner = spec(tokenOwnerDecider);
  const suspend = { type: 'SuspendUserTokens' as const, data: { userId: 'user-1' } };
  const unsuspend = { type: 'UnsuspendUserTokens' as const, data: { userId: 'user-1' } };
  const suspended = { type: 'UserTokensSuspended' as const, data: { userId: 'user-1' } };
  const unsuspended = { type: 'UserTokensUnsuspended' as const, data: { userId: 'user-1' } };

  it('suspends and unsuspends', () => {
    owner.given([]).when(suspend).then([suspended]);
    owner.given([suspended]).when(unsuspend).then([unsuspended]);
  });

  it('is idempotent both ways', () => {
    owner.given([suspended]).when(suspend).then([]);
    owner.given([]).when(unsuspend).then([]);
    owner.given([suspended, unsuspended]).when(unsuspend).then([]);
  });
});
