import { eventsTopic } from '@idp/contracts';
import { toEventMessage } from '@idp/eventing';
import { Logger } from '@nestjs/common';
import { PATTERN_METADATA } from '@nestjs/microservices/constants';
import type { Principal } from '../http/request-context';
import { CredentialCache } from './credential-cache';
import {
  CredentialEvictionHandlers,
  evictionFor,
  MalformedEvictionEvent,
} from './credential-eviction.handlers';

/** An integration event as the relay puts it on the bus (the JSON envelope). */
const message = (type: string, data: unknown, stream = 'session-x') =>
  toEventMessage({
    id: `evt-${type}`,
    type,
    schemaVersion: 1,
    stream,
    revision: 0,
    position: 42n,
    occurredAt: new Date('2025-01-01T00:00:00Z'),
    data,
    metadata: {},
  }).value;

describe('evictionFor: which events evict what', () => {
  it.each([
    [
      'token',
      'SessionEnded',
      { sessionId: 's1', userId: 'u1', reason: 'logout', endedAt: 'x' },
      { by: 'session', sessionId: 's1' },
    ],
    [
      'token',
      'UserTokenRevoked',
      { tokenId: 'at-1', userId: 'u1', reason: 'revoked' },
      { by: 'token', tokenId: 'at-1' },
    ],
    [
      'token',
      'OrganizationTokenRevoked',
      { tokenId: 'at-2', organizationId: 'org-1', kind: 'organization', reason: 'organization-deleted' },
      { by: 'token', tokenId: 'at-2' },
    ],
    [
      'token',
      'TeamTokenRevoked',
      { tokenId: 'at-3', teamId: 'team-1', organizationId: 'org-1', reason: 'team-deleted' },
      { by: 'token', tokenId: 'at-3' },
    ],
    [
      'token',
      'TeamTokenExpiryShortened',
      {
        tokenId: 'at-4',
        organizationId: 'org-1',
        expiredAt: '2026-01-01T00:00:00.000Z',
        reason: 'ttl-policy',
      },
      { by: 'token', tokenId: 'at-4' },
    ],
    [
      'token',
      'OrganizationTokenExpiryShortened',
      {
        tokenId: 'at-5',
        organizationId: 'org-1',
        expiredAt: '2026-01-01T00:00:00.000Z',
        reason: 'ttl-policy',
      },
      { by: 'token', tokenId: 'at-5' },
    ],
    ['token', 'UserTokensSuspended', { userId: 'u1' }, { by: 'user', userId: 'u1' }],
    ['identity', 'AccountSuspended', { userId: 'u2' }, { by: 'user', userId: 'u2' }],
    ['identity', 'AccountDeleted', { userId: 'u3' }, { by: 'user', userId: 'u3' }],
  ] as const)('%s %s', (source, type, data, eviction) => {
    expect(evictionFor(source, type, data)).toEqual(eviction);
  });

  it.each([
    ['token', 'SessionStarted', { sessionId: 's1', userId: 'u1' }],
    ['token', 'UserTokenCreated', { tokenId: 'at-1', userId: 'u1' }],
    ['token', 'UserTokensUnsuspended', { userId: 'u1' }],
    ['token', 'OrganizationTokenCreated', { tokenId: 'at-1', organizationId: 'org-1' }],
    // Identity's event names mean nothing on the token topic, and the reverse.
    ['token', 'AccountSuspended', { userId: 'u1' }],
    ['identity', 'SessionEnded', { sessionId: 's1' }],
    ['identity', 'AccountRegistered', { userId: 'u1' }],
    ['identity', 'AccountUnsuspended', { userId: 'u1' }],
    ['identity', 'PasswordChanged', { userId: 'u1', reason: 'reset' }],
    ['identity', 'SiteAdminRevoked', { userId: 'u1' }],
  ] as const)('%s %s: nothing', (source, type, data) => {
    expect(evictionFor(source, type, data)).toBeUndefined();
  });

  it.each([
    ['token', 'SessionEnded', { userId: 'u1' }],
    ['token', 'UserTokenRevoked', { tokenId: '' }],
    ['token', 'OrganizationTokenRevoked', { tokenId: 7 }],
    ['token', 'UserTokensSuspended', null],
    ['identity', 'AccountSuspended', 'u1'],
    ['identity', 'AccountDeleted', undefined],
  ] as const)('%s %s without its identifier (%j) is malformed', (source, type, data) => {
    expect(() => evictionFor(source, type, data)).toThrow(MalformedEvictionEvent);
  });
});

describe('CredentialEvictionHandlers', () => {
  const session = (userId: string, sessionId: string): Principal => ({
    kind: 'session',
    userId,
    sessionId,
    expiresAt: '2999-01-01T00:00:00.000Z',
  });
  const userToken = (userId: string, tokenId: string): Principal => ({
    kind: 'user-token',
    userId,
    tokenId,
    expiresAt: null,
    createdAt: '2026-01-01T00:00:00.000Z',
  });
  const orgToken = (tokenId: string): Principal => ({
    kind: 'organization-token',
    organizationId: 'org-1',
    organizationName: 'acme',
    tokenId,
    tokenKind: 'organization',
    expiresAt: null,
  });
  let cache: CredentialCache;
  let handlers: CredentialEvictionHandlers;
  let errors: jest.SpyInstance;

  beforeEach(() => {
    cache = new CredentialCache({ ttlMs: 60_000, maxEntries: 100 });
    handlers = new CredentialEvictionHandlers(cache);
    cache.set('alice-session', session('alice', 's-alice'));
    cache.set('alice-other-session', session('alice', 's-alice-2'));
    cache.set('alice-token', userToken('alice', 'at-alice'));
    cache.set('bob-session', session('bob', 's-bob'));
    cache.set('bob-token', userToken('bob', 'at-bob'));
    cache.set('org-token', orgToken('at-org'));
    errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  const cached = () =>
    ['alice-session', 'alice-other-session', 'alice-token', 'bob-session', 'bob-token', 'org-token'].filter(
      (h) => cache.get(h) !== undefined,
    );

  it('listens to token.events and identity.events as event (not request) handlers', () => {
    const proto = CredentialEvictionHandlers.prototype;
    expect(Reflect.getMetadata(PATTERN_METADATA, proto.onTokenEvent)).toEqual([eventsTopic('token')]);
    expect(Reflect.getMetadata(PATTERN_METADATA, proto.onIdentityEvent)).toEqual([eventsTopic('identity')]);
  });

  it('SessionEnded evicts that session only', () => {
    handlers.onTokenEvent(
      message('SessionEnded', { sessionId: 's-alice', userId: 'alice', reason: 'revoked', endedAt: 'x' }),
    );
    expect(cached()).toEqual(['alice-other-session', 'alice-token', 'bob-session', 'bob-token', 'org-token']);
  });

  it('UserTokenRevoked and OrganizationTokenRevoked evict that token only', () => {
    handlers.onTokenEvent(
      message('UserTokenRevoked', { tokenId: 'at-alice', userId: 'alice', reason: 'revoked' }),
    );
    handlers.onTokenEvent(
      message('OrganizationTokenRevoked', {
        tokenId: 'at-org',
        organizationId: 'org-1',
        kind: 'organization',
        reason: 'organization-deleted',
      }),
    );
    expect(cached()).toEqual(['alice-session', 'alice-other-session', 'bob-session', 'bob-token']);
  });

  it.each([
    ['token', 'UserTokensSuspended'],
    ['identity', 'AccountSuspended'],
    ['identity', 'AccountDeleted'],
  ] as const)('%s %s evicts every credential of the user', (source, type) => {
    const value = message(type, { userId: 'alice' });
    if (source === 'token') handlers.onTokenEvent(value);
    else handlers.onIdentityEvent(value);
    expect(cached()).toEqual(['bob-session', 'bob-token', 'org-token']);
  });

  it('other events change nothing, and log nothing', () => {
    handlers.onTokenEvent(message('SessionStarted', { sessionId: 's-alice', userId: 'alice' }));
    handlers.onTokenEvent(message('UserTokensUnsuspended', { userId: 'alice' }));
    handlers.onIdentityEvent(message('AccountUnsuspended', { userId: 'alice' }));
    // A token event name on the identity topic is not acted on.
    handlers.onIdentityEvent(message('SessionEnded', { sessionId: 's-alice' }));
    expect(cached()).toHaveLength(6);
    expect(errors).not.toHaveBeenCalled();
  });

  it('takes the envelope as a parsed object too (the bus deserializer hands handlers JSON values)', () => {
    handlers.onTokenEvent(JSON.parse(message('UserTokensSuspended', { userId: 'bob' })));
    expect(cached()).toEqual(['alice-session', 'alice-other-session', 'alice-token', 'org-token']);
  });

  it.each([
    ['not JSON', 'nope {', 'nope {'],
    ['no envelope', { type: 'SessionEnded', data: { sessionId: 's-alice' } }, { type: 'AccountDeleted' }],
    ['null', null, null],
    ['undefined', undefined, undefined],
    [
      'an event without its identifier',
      message('SessionEnded', { userId: 'alice' }),
      message('AccountSuspended', { user: 'alice' }),
    ],
    ['a bigint (not serialisable)', { id: 1n }, { id: 1n }],
  ])('a malformed message (%s) is logged and dropped, never thrown', (_, tokenValue, identityValue) => {
    expect(() => handlers.onTokenEvent(tokenValue)).not.toThrow();
    expect(() => handlers.onIdentityEvent(identityValue)).not.toThrow();
    expect(cached()).toHaveLength(6);
    expect(errors).toHaveBeenCalledTimes(2);
    expect(String(errors.mock.calls[0]?.[0])).toMatch(/^dropped a message on token\.events: /);
    expect(String(errors.mock.calls[1]?.[0])).toMatch(/^dropped a message on identity\.events: /);
  });

  it('a redelivered event is harmless (evictions are idempotent)', () => {
    const value = message('UserTokenRevoked', { tokenId: 'at-bob', userId: 'bob', reason: 'revoked' });
    handlers.onTokenEvent(value);
    handlers.onTokenEvent(value);
    expect(cached()).toEqual([
      'alice-session',
      'alice-other-session',
      'alice-token',
      'bob-session',
      'org-token',
    ]);
  });
});
