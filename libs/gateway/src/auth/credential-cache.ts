import type { Principal } from '../http/request-context';

interface Entry {
  principal: Principal;
  /** Epoch ms after which the entry is not used any more. */
  until: number;
}

/**
 * Verified credentials, keyed by the SHA-256 of the secret (the secret itself is never kept), each trusted for at
 * most `ttlMs` and never past the credential's own expiry. Bounded: beyond `maxEntries` the least recently used
 * entry goes (a `Map` keeps insertion order; a hit re-inserts). Only positive answers are cached: an unknown
 * token is asked about every time, so guessing cannot push real sessions out.
 *
 * A revoked session therefore keeps working on a replica for at most `ttlMs` after the revocation. Logout and
 * ending one's own session evict at once on the replica that handled them (`evictCredential`, `evictSession`);
 * evicting on the token service's `SessionEnded` events, on every replica, is a later issue.
 */
export class CredentialCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly options: { ttlMs: number; maxEntries: number; now?: () => number }) {}

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  get size(): number {
    return this.entries.size;
  }

  get(hash: string): Principal | undefined {
    const entry = this.entries.get(hash);
    if (!entry) return undefined;
    this.entries.delete(hash);
    if (entry.until <= this.now()) return undefined;
    this.entries.set(hash, entry);
    return entry.principal;
  }

  set(hash: string, principal: Principal): void {
    if (this.options.ttlMs <= 0) return;
    // A token without an expiry is cached for the TTL alone.
    const expires = principal.expiresAt === null ? Infinity : Date.parse(principal.expiresAt);
    const until = Math.min(this.now() + this.options.ttlMs, Number.isNaN(expires) ? 0 : expires);
    if (until <= this.now()) return;
    this.entries.delete(hash);
    this.entries.set(hash, { principal, until });
    while (this.entries.size > this.options.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  evictCredential(hash: string): void {
    this.entries.delete(hash);
  }

  /** Drops every cached credential of a session (a linear scan: rare, and bounded by `maxEntries`). */
  evictSession(sessionId: string): void {
    for (const [hash, entry] of this.entries)
      if (entry.principal.kind === 'session' && entry.principal.sessionId === sessionId)
        this.entries.delete(hash);
  }

  /** Drops the cached credential of a revoked API token, user or organization token (same linear scan). */
  evictToken(tokenId: string): void {
    for (const [hash, entry] of this.entries)
      if (entry.principal.kind !== 'session' && entry.principal.tokenId === tokenId)
        this.entries.delete(hash);
  }

  /**
   * Drops the cached organization token of one organization and kind, whichever token id it has: after a
   * regeneration or a deletion the gateway need not know the id of the token that was replaced.
   */
  evictOrganizationToken(organizationId: string, tokenKind: string): void {
    for (const [hash, entry] of this.entries)
      if (
        entry.principal.kind === 'organization-token' &&
        entry.principal.organizationId === organizationId &&
        entry.principal.tokenKind === tokenKind
      )
        this.entries.delete(hash);
  }

  clear(): void {
    this.entries.clear();
  }
}
