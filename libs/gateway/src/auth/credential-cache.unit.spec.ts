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
    c.set('u1', {
      kind: 'user-token',
      userId: 'user-1',
      tokenId: 'at-u1',
      expiresAt: null,
      createdAt: '2026-01-01T00:00:00.000Z',
    });
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

  describe('evictUser', () => {
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
    const orgToken: Principal = {
      kind: 'organization-token',
      organizationId: 'org-1',
      organizationName: 'acme',
      tokenId: 'at-org',
      tokenKind: 'organization',
      expiresAt: null,
    };

    it("drops every session and user token of the user, nobody else's, no organization token", () => {
      const c = cache(5_000, 10);
      c.set('a1', session('user-a', 's1'));
      c.set('a2', session('user-a', 's2'));
      c.set('a3', userToken('user-a', 'at-1'));
      c.set('b1', session('user-b', 's3'));
      c.set('b2', userToken('user-b', 'at-2'));
      c.set('o1', orgToken);
      c.evictUser('user-a');
      expect(['a1', 'a2', 'a3'].map((h) => c.get(h))).toEqual([undefined, undefined, undefined]);
      expect(c.get('b1')).toEqual(session('user-b', 's3'));
      expect(c.get('b2')).toEqual(userToken('user-b', 'at-2'));
      expect(c.get('o1')).toEqual(orgToken);
      expect(c.size).toBe(3);
      c.evictUser('user-a'); // idempotent
      c.evictUser('user-unknown');
      expect(c.size).toBe(3);
    });

    it('touches only the entries of that user (indexed, not a scan)', () => {
      const c = cache(5_000, 100_000);
      for (let i = 0; i < 50_000; i++) c.set(`h${i}`, session(`user-${i}`, `s${i}`));
      c.set('mine-1', session('user-me', 's-me-1'));
      c.set('mine-2', userToken('user-me', 'at-me'));
      // Any walk over a Map (for…of, entries, keys, values, forEach) would show here.
      const walks = ([Symbol.iterator, 'entries', 'keys', 'values', 'forEach'] as const).map((method) =>
        jest.spyOn(Map.prototype as unknown as Record<PropertyKey, () => unknown>, method),
      );
      try {
        c.evictUser('user-me');
        for (const walk of walks) expect(walk).not.toHaveBeenCalled();
      } finally {
        for (const walk of walks) walk.mockRestore();
      }
      expect(c.size).toBe(50_000);
      expect(c.get('mine-1')).toBeUndefined();
    });

    it('the indexes follow every way an entry leaves: LRU, expiry, eviction, replacement, clear', () => {
      const c = cache(5_000, 3);
      c.set('h1', session('user-a', 's1'));
      c.set('h2', session('user-a', 's2'));
      c.set('h3', userToken('user-b', 'at-1'));
      c.set('h4', orgToken); // pushes h1 out (LRU)
      expect(c.get('h1')).toBeUndefined();
      // The LRU-evicted h1 is gone from the indexes too: re-adding it under another user is not evicted with user-a.
      c.set('h1', session('user-c', 's9'));
      c.evictUser('user-a');
      expect(c.get('h1')).toEqual(session('user-c', 's9'));
      // Replacing an entry re-indexes it.
      c.set('h1', session('user-d', 's10'));
      c.evictUser('user-c');
      expect(c.get('h1')).toEqual(session('user-d', 's10'));
      c.evictSession('s10');
      expect(c.get('h1')).toBeUndefined();
      // Expiry.
      now += 5_000;
      expect(c.get('h3')).toBeUndefined();
      expect(c.get('h4')).toBeUndefined();
      expect(c.size).toBe(0);
      expect(c.indexedKeys).toBe(0);
      c.set('h5', session('user-e', 's11'));
      c.clear();
      expect(c.indexedKeys).toBe(0);
    });

    it('the indexes stay bounded by the entries under churn', () => {
      const c = cache(5_000, 100);
      for (let i = 0; i < 10_000; i++) {
        c.set(
          `h${i}`,
          i % 3 === 0 ? userToken(`user-${i % 700}`, `at-${i}`) : session(`user-${i % 700}`, `s${i}`),
        );
        if (i % 7 === 0) c.evictUser(`user-${i % 700}`);
        if (i % 11 === 0) c.evictToken(`at-${i - 3}`);
      }
      expect(c.size).toBeLessThanOrEqual(100);
      // At most two listings per entry (session or token, and user).
      expect(c.indexedKeys).toBeLessThanOrEqual(2 * c.size);
    });
  });

  describe('generation (a verification racing with an eviction)', () => {
    it('an answer obtained before an eviction is not cached; one obtained after is', () => {
      const c = cache(5_000, 10);
      const started = c.generation;
      c.evictSession('s-other'); // any eviction, even of something else
      c.set('h1', principal('s1'), started);
      expect(c.get('h1')).toBeUndefined();
      c.set('h1', principal('s1'), c.generation);
      expect(c.get('h1')).toEqual(principal('s1'));
      // Without a generation (callers that know better), it is cached.
      c.set('h2', principal('s2'));
      expect(c.get('h2')).toEqual(principal('s2'));
    });

    it('every kind of eviction moves it on', () => {
      const c = cache();
      const seen = [c.generation];
      for (const evict of [
        () => c.evictCredential('h'),
        () => c.evictSession('s'),
        () => c.evictToken('t'),
        () => c.evictUser('u'),
        () => c.evictOrganizationToken('o', 'organization'),
        () => c.clear(),
      ]) {
        evict();
        seen.push(c.generation);
      }
      expect(new Set(seen).size).toBe(seen.length);
    });
  });

  it('a TTL of 0 stores nothing', () => {
    const c = cache(0);
    c.set('h1', principal('s1'));
    expect(c.get('h1')).toBeUndefined();
  });
});
