import type { Principal } from '../http/request-context';

interface Entry {
  principal: Principal;
  /** Epoch ms after which the entry is not used any more. */
  until: number;
}

/** Credential hashes by a key (user, session, token, organization token kind): the secondary indexes. */
class Index {
  private readonly sets = new Map<string, Set<string>>();

  add(key: string, hash: string): void {
    let set = this.sets.get(key);
    if (!set) this.sets.set(key, (set = new Set()));
    set.add(hash);
  }

  delete(key: string, hash: string): void {
    const set = this.sets.get(key);
    if (!set) return;
    set.delete(hash);
    if (set.size === 0) this.sets.delete(key);
  }

  /** The hashes under `key` (a copy: the caller deletes while iterating). */
  hashes(key: string): string[] {
    const set = this.sets.get(key);
    return set ? [...set] : [];
  }

  get keyCount(): number {
    return this.sets.size;
  }

  clear(): void {
    this.sets.clear();
  }
}

/** Keys of the indexes an entry is listed in. */
const sessionKey = (p: Principal): string | undefined => (p.kind === 'session' ? p.sessionId : undefined);
const tokenKey = (p: Principal): string | undefined => (p.kind === 'session' ? undefined : p.tokenId);
const userKey = (p: Principal): string | undefined => ('userId' in p ? p.userId : undefined);
const organizationTokenKey = (organizationId: string, tokenKind: string): string =>
  `${organizationId}\u0000${tokenKind}`;
const organizationKey = (p: Principal): string | undefined =>
  p.kind === 'organization-token' ? organizationTokenKey(p.organizationId, p.tokenKind) : undefined;

/**
 * Verified credentials, keyed by the SHA-256 of the secret (the secret itself is never kept), each trusted for at
 * most `ttlMs` and never past the credential's own expiry. Bounded: beyond `maxEntries` the least recently used
 * entry goes (a `Map` keeps insertion order; a hit re-inserts). Only positive answers are cached: an unknown
 * token is asked about every time, so guessing cannot push real sessions out.
 *
 * Revocation: every gateway evicts on the token and identity events (`CredentialEvictionHandlers`: a session
 * ended, a token revoked, a user suspended or deleted), and the gateway that handled a logout or revocation evicts
 * at once. Each eviction costs O(entries it removes): secondary indexes by session, token, user and organization
 * token kind are kept beside the entries and updated on every insertion and removal, so they never outgrow them.
 * The TTL remains the bound when an event is lost or late.
 *
 * `generation` counts evictions: a verification that started before an eviction must not cache its answer (it may
 * describe the credential as it was before the revocation); see `set`'s `verifiedAt`.
 */
/** How long `holdUser` refuses a user's credentials by default: far beyond the token service's reaction time. */
export const USER_HOLD_MS = 30_000;

export class CredentialCache {
  private readonly entries = new Map<string, Entry>();
  private readonly bySession = new Index();
  private readonly byToken = new Index();
  private readonly byUser = new Index();
  private readonly byOrganizationToken = new Index();
  private evictions = 0;
  /** Users whose credentials are refused whatever the token service answers, until the instant held (ms). */
  private readonly held = new Map<string, number>();

  constructor(private readonly options: { ttlMs: number; maxEntries: number; now?: () => number }) {}

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Increases with every eviction (of anything). Read it before asking the token service and pass it to `set`:
   * an answer that raced with an eviction is used for its request but not cached.
   */
  get generation(): number {
    return this.evictions;
  }

  get(hash: string): Principal | undefined {
    const entry = this.entries.get(hash);
    if (!entry) return undefined;
    if (entry.until <= this.now()) {
      this.remove(hash);
      return undefined;
    }
    // Most recently used last; the indexes do not change.
    this.entries.delete(hash);
    this.entries.set(hash, entry);
    return entry.principal;
  }

  /**
   * Caches a verified credential. `verifiedAt`: the `generation` read before the verification started; when an
   * eviction happened since, nothing is cached (the answer may predate a revocation this cache has already
   * applied, and caching it would honour the revoked credential for a whole TTL).
   */
  set(hash: string, principal: Principal, verifiedAt?: number): void {
    if (this.options.ttlMs <= 0) return;
    if (this.isHeld(principal)) return;
    if (verifiedAt !== undefined && verifiedAt !== this.evictions) return;
    // A token without an expiry is cached for the TTL alone.
    const expires = principal.expiresAt === null ? Infinity : Date.parse(principal.expiresAt);
    const until = Math.min(this.now() + this.options.ttlMs, Number.isNaN(expires) ? 0 : expires);
    if (until <= this.now()) return;
    this.remove(hash);
    this.entries.set(hash, { principal, until });
    this.index(hash, principal);
    while (this.entries.size > this.options.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.remove(oldest);
    }
  }

  evictCredential(hash: string): void {
    this.evictions++;
    this.remove(hash);
  }

  /** Drops every cached credential of a session. */
  evictSession(sessionId: string): void {
    this.evictAll(this.bySession, sessionId);
  }

  /** Drops the cached credential of a revoked API token, user or organization token. */
  evictToken(tokenId: string): void {
    this.evictAll(this.byToken, tokenId);
  }

  /**
   * Drops every cached credential of a user — sessions and user API tokens — (suspension, deletion, tokens
   * suspended). Organization tokens act as their organization, never as a user: they stay.
   */
  evictUser(userId: string): void {
    this.evictAll(this.byUser, userId);
  }

  /**
   * Drops every cached credential of a suspended or deleted user AND refuses that user's credentials for `forMs`,
   * whatever the token service answers (`isHeld`). Identity answers a suspension before the token service has
   * reacted to its event, so without the hold a request in between would verify, and be served, with a credential
   * that is about to stop: with it, the very next request after `POST /admin/users/:id/actions/suspend` is a 401
   * on this replica, and on the others as soon as they see `AccountSuspended`. `forMs` only needs to outlast the
   * token service's reaction (milliseconds); `releaseUser` ends it at unsuspension.
   */
  holdUser(userId: string, forMs = USER_HOLD_MS): void {
    this.held.delete(userId);
    this.held.set(userId, this.now() + forMs);
    // Bounded like the entries: the oldest holds go first (they are the likeliest to have done their job).
    while (this.held.size > this.options.maxEntries)
      this.held.delete(this.held.keys().next().value as string);
    this.evictUser(userId);
  }

  /** Ends a hold (the user was unsuspended); their credentials verify again once the token service says so. */
  releaseUser(userId: string): void {
    this.held.delete(userId);
  }

  /** Whether a principal's user is held (`holdUser`); organization and team tokens act as no user and are never held. */
  isHeld(principal: Principal): boolean {
    if (this.held.size === 0 || !('userId' in principal)) return false;
    const until = this.held.get(principal.userId);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.held.delete(principal.userId);
    return false;
  }

  /**
   * Drops the cached organization token of one organization and kind, whichever token id it has: after a
   * regeneration or a deletion the gateway need not know the id of the token that was replaced.
   */
  evictOrganizationToken(organizationId: string, tokenKind: string): void {
    this.evictAll(this.byOrganizationToken, organizationTokenKey(organizationId, tokenKind));
  }

  clear(): void {
    this.evictions++;
    this.entries.clear();
    for (const index of this.indexes()) index.clear();
  }

  /** Keys held by the secondary indexes (for tests: never more than the entries allow). */
  get indexedKeys(): number {
    return this.indexes().reduce((n, index) => n + index.keyCount, 0);
  }

  private evictAll(index: Index, key: string): void {
    this.evictions++;
    for (const hash of index.hashes(key)) this.remove(hash);
  }

  private indexes(): Index[] {
    return [this.bySession, this.byToken, this.byUser, this.byOrganizationToken];
  }

  private index(hash: string, principal: Principal): void {
    this.each(principal, (index, key) => index.add(key, hash));
  }

  /** Removes an entry and its index listings. */
  private remove(hash: string): void {
    const entry = this.entries.get(hash);
    if (!entry) return;
    this.entries.delete(hash);
    this.each(entry.principal, (index, key) => index.delete(key, hash));
  }

  private each(principal: Principal, f: (index: Index, key: string) => void): void {
    const session = sessionKey(principal);
    const token = tokenKey(principal);
    const user = userKey(principal);
    const organization = organizationKey(principal);
    if (session !== undefined) f(this.bySession, session);
    if (token !== undefined) f(this.byToken, token);
    if (user !== undefined) f(this.byUser, user);
    if (organization !== undefined) f(this.byOrganizationToken, organization);
  }
}
