import type { ReadModel, ReadStore } from '@idp/eventing';

/** When a user token was last used, kept apart from the event-sourced `user-tokens` model (see README). */
export interface UserTokenActivityDocument {
  /** The token id. */
  id: string;
  lastUsedAt: string;
}

export const userTokenActivityModel: ReadModel<UserTokenActivityDocument> = { name: 'user-token-activity' };

/** The same record for organization tokens, in its own read model (the two kinds' services stay independent). */
export const organizationTokenActivityModel: ReadModel<UserTokenActivityDocument> = {
  name: 'organization-token-activity',
};

/** The same record for team tokens. */
export const teamTokenActivityModel: ReadModel<UserTokenActivityDocument> = { name: 'team-token-activity' };

/**
 * Coarse `last-used-at` of an API token (user or organization token) without an event per request, as `SessionActivity`
 * does for sessions: written at most once per `touchIntervalMs` per token, judged on the stored value (every replica
 * throttles alike), guarded by the touch time in epoch ms (a late older touch never overwrites a newer one). Unlike
 * sessions nothing depends on it (user tokens have no idle timeout), so a missing record is simply "never used"
 * (`null`) — in embedded mode that is also what a restart leaves.
 */
export class UserTokenActivity {
  constructor(
    private readonly store: ReadStore<UserTokenActivityDocument>,
    private readonly options: { touchIntervalMs: number },
  ) {}

  async lastUsedOf(tokenIds: readonly string[]): Promise<Map<string, string>> {
    const docs = tokenIds.length ? await this.store.find({ where: { id: { $in: [...tokenIds] } } }) : [];
    return new Map(docs.map((d) => [d.id, d.lastUsedAt]));
  }

  /** Records `now` unless the stored last use is recent enough. */
  async touch(tokenId: string, now: number): Promise<void> {
    const doc = await this.store.get(tokenId);
    if (doc && now - Date.parse(doc.lastUsedAt) < this.options.touchIntervalMs) return;
    await this.store.put({ id: tokenId, lastUsedAt: new Date(now).toISOString() }, BigInt(now));
  }

  /** Drops the record of a revoked token (a tombstone at `now`). */
  async forget(tokenId: string, now: number): Promise<void> {
    await this.store.delete(tokenId, BigInt(now));
  }
}
