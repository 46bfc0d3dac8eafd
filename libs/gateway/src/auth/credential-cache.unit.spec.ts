import type { Principal } from '../http/request-context';
import { CredentialCache } from './credential-cache';

const principal = (sessionId: string, expiresAt = '2999-01-01T00:00:00.000Z'): Principal => ({
  kind: 'session',
  userId: 'user-1',
  sessionId,
  expiresAt,
});

describe('CredentialCache', () => {
  let now = 1_000_000;
  const cache = (ttlMs = 5_000, maxEntries = 3) => new CredentialCache({ ttlMs, maxEntries, now: () => now });
  beforeEach(() => {
    now = 1_000_000;
  });

  it('answers within the TTL, not after', () => {
    const c = cache();
    c.set('h1', principal('s1'));
    now += 4_999;
    expect(c.get('h1')).toEqual(principal('s1'));
    now += 1;
    expect(c.get('h1')).toBeUndefined();
    expect(c.size).toBe(0);
  });

  it('never past the credential expiry; an already expired or unparseable one is not stored', () => {
    const c = cache();
    c.set('h1', principal('s1', new Date(now + 100).toISOString()));
    now += 100;
    expect(c.get('h1')).toBeUndefined();
    c.set('h2', principal('s2', new Date(now - 1).toISOString()));
    c.set('h3', principal('s3', 'whenever'));
    expect(c.size).toBe(0);
  });

  it('evicts the least recently used beyond maxEntries', () => {
    const c = cache(5_000, 2);
    c.set('h1', principal('s1'));
    c.set('h2', principal('s2'));
    c.get('h1'); // h1 is now the most recent
    c.set('h3', principal('s3'));
    expect(c.get('h2')).toBeUndefined();
    expect(c.get('h1')).toBeDefined();
    expect(c.get('h3')).toBeDefined();
  });

  it('evicts by credential and by session', () => {
    const c = cache(5_000, 10);
    c.set('h1', principal('s1'));
    c.set('h2', principal('s1'));
    c.set('h3', principal('s3'));
    c.evictSession('s1');
    expect([c.get('h1'), c.get('h2')]).toEqual([undefined, undefined]);
    c.evictCredential('h3');
    expect(c.size).toBe(0);
  });

  it('evicts API tokens by token id, and organization tokens by organization and kind', () => {
    const c = cache(5_000, 10);
    const org = (tokenId: string, organizationId: string, tokenKind: 'organization' | 'audit-trails') =>
      ({
        kind: 'organization-token',
        organizationId,
        organizationName: 'acme',
        tokenId,
        tokenKind,
        expiresAt: null,
      }) as const;
    c.set('u1', { kind: 'user-token', userId: 'user-1', tokenId: 'at-u1', expiresAt: null });
    c.set('o1', org('at-o1', 'org-1', 'organization'));
    c.set('o2', org('at-o2', 'org-1', 'audit-trails'));
    c.set('o3', org('at-o3', 'org-2', 'organization'));
    c.evictToken('at-u1');
    c.evictToken('at-o3');
    expect([c.get('u1'), c.get('o3')]).toEqual([undefined, undefined]);
    c.evictOrganizationToken('org-1', 'organization');
    expect(c.get('o1')).toBeUndefined();
    expect(c.get('o2')).toEqual(org('at-o2', 'org-1', 'audit-trails'));
  });

  it('a TTL of 0 stores nothing', () => {
    const c = cache(0);
    c.set('h1', principal('s1'));
    expect(c.get('h1')).toBeUndefined();
  });
});
