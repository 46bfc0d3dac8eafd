import { toEventMessage } from '@idp/eventing';
import { actorOf } from '../bus/service-client';
import type { Principal } from '../http/request-context';
import { principalFrom } from './authentication.guard';
import { CredentialCache, USER_HOLD_MS } from './credential-cache';
import { CredentialEvictionHandlers } from './credential-eviction.handlers';

/**
 * Site administration at the gateway's authentication (TFC-API §10): a suspended or deleted user is held (refused
 * whatever the token service answers, until it has reacted), and an impersonation session's principal carries the
 * impersonator and the reason into every bus message.
 */
const session = (userId: string, sessionId = `s-${userId}`): Principal => ({
  kind: 'session',
  userId,
  sessionId,
  expiresAt: '2999-01-01T00:00:00.000Z',
});
const orgToken: Principal = {
  kind: 'organization-token',
  organizationId: 'org-1',
  organizationName: 'acme',
  tokenId: 'at-org',
  tokenKind: 'organization',
  expiresAt: null,
};
const message = (type: string, data: unknown) =>
  toEventMessage({
    id: `evt-${type}`,
    type,
    schemaVersion: 1,
    stream: 'account-x',
    revision: 0,
    position: 1n,
    occurredAt: new Date('2026-01-01T00:00:00Z'),
    data,
    metadata: {},
  }).value;

describe('CredentialCache: holding a suspended or deleted user', () => {
  let now = 1_000_000;
  const cache = () => new CredentialCache({ ttlMs: 60_000, maxEntries: 3, now: () => now });
  beforeEach(() => {
    now = 1_000_000;
  });

  it('evicts the user, refuses their principals (not others, not organization tokens) and caches none of theirs', () => {
    const c = cache();
    c.set('alice', session('alice'));
    c.set('bob', session('bob'));
    c.holdUser('alice');
    expect(c.get('alice')).toBeUndefined();
    expect(c.isHeld(session('alice', 'another'))).toBe(true);
    expect(c.isHeld(session('bob'))).toBe(false);
    expect(c.isHeld(orgToken)).toBe(false);
    c.set('alice-again', session('alice'));
    expect(c.get('alice-again')).toBeUndefined();
    expect(c.get('bob')).toEqual(session('bob'));
  });

  it('ends after its time or at release', () => {
    const c = cache();
    c.holdUser('alice');
    now += USER_HOLD_MS - 1;
    expect(c.isHeld(session('alice'))).toBe(true);
    now += 1;
    expect(c.isHeld(session('alice'))).toBe(false);
    c.holdUser('bob', 10);
    c.releaseUser('bob');
    expect(c.isHeld(session('bob'))).toBe(false);
  });

  it('holds at most maxEntries users (the oldest go first)', () => {
    const c = cache();
    for (const u of ['u1', 'u2', 'u3', 'u4']) c.holdUser(u);
    expect(c.isHeld(session('u1'))).toBe(false);
    expect(['u2', 'u3', 'u4'].every((u) => c.isHeld(session(u)))).toBe(true);
  });

  it('identity.events: AccountSuspended and AccountDeleted hold, AccountUnsuspended releases', () => {
    const c = cache();
    const handlers = new CredentialEvictionHandlers(c);
    handlers.onIdentityEvent(message('AccountSuspended', { userId: 'alice' }));
    handlers.onIdentityEvent(message('AccountDeleted', { userId: 'bob' }));
    expect(c.isHeld(session('alice'))).toBe(true);
    expect(c.isHeld(session('bob'))).toBe(true);
    handlers.onIdentityEvent(message('AccountUnsuspended', { userId: 'alice' }));
    expect(c.isHeld(session('alice'))).toBe(false);
    // The token topic's events never hold anyone (a token event named like an identity one included).
    handlers.onTokenEvent(message('AccountSuspended', { userId: 'carol' }));
    expect(c.isHeld(session('carol'))).toBe(false);
  });
});

describe('impersonation sessions in principals and actors', () => {
  const NOW = Date.parse('2026-11-26T10:00:00.000Z');
  const reply = {
    kind: 'session',
    sessionId: 'sess-1',
    userId: 'user-ada',
    expiresAt: '2026-11-26T11:00:00.000Z',
  };

  it('carries the impersonator and reason from the token service answer into meta.actor', () => {
    const principal = principalFrom(
      { ...reply, impersonatorId: 'user-root', impersonationReason: 'ticket 7' },
      NOW,
    );
    expect(principal).toEqual({ ...reply, impersonatorId: 'user-root', impersonationReason: 'ticket 7' });
    expect(actorOf(principal!)).toEqual({
      kind: 'user',
      id: 'user-ada',
      impersonatorId: 'user-root',
      impersonationReason: 'ticket 7',
    });
  });

  it('an ordinary session has neither; a half-told impersonation is no principal at all', () => {
    expect(actorOf(principalFrom(reply, NOW)!)).toEqual({ kind: 'user', id: 'user-ada' });
    expect(principalFrom({ ...reply, impersonatorId: 'user-root' }, NOW)).toBeUndefined();
    expect(principalFrom({ ...reply, impersonatorId: '', impersonationReason: 'x' }, NOW)).toBeUndefined();
  });
});
