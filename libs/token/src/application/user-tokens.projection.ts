import { defineProjection, type ReadModel, type RecordedEvent } from '@idp/eventing';
import type { TokenOwnerEvent } from '../domain/user-token/token-owner.decider';
import type { UserTokenEvent } from '../domain/user-token/user-token.decider';

/**
 * A live (unrevoked) user API token, keyed by the SHA-256 of its secret: verification is one `get(sha256(secret))`,
 * as for sessions. Revoked tokens are deleted (a tombstone stays, so a replayed create cannot revive them); expired
 * ones stay (TFC lists them) and are refused by verification.
 */
export interface UserTokenDocument {
  /** SHA-256 (hex) of the secret. */
  id: string;
  tokenId: string;
  userId: string;
  description: string | null;
  expiredAt: string | null;
  createdAt: string;
  createdBy: string;
}

/** Users whose tokens must not verify (suspended accounts), keyed by user id. Absent: not suspended. */
export interface SuspendedTokenOwnerDocument {
  id: string;
}

export const userTokensModel: ReadModel<UserTokenDocument> = {
  name: 'user-tokens',
  indexes: [{ tokenId: 1 }, { userId: 1, createdAt: -1 }],
};

export const suspendedTokenOwnersModel: ReadModel<SuspendedTokenOwnerDocument> = {
  name: 'suspended-token-owners',
};

type Recorded = RecordedEvent & (UserTokenEvent | TokenOwnerEvent);

export const userTokensProjection = defineProjection<{
  tokens: UserTokenDocument;
  suspended: SuspendedTokenOwnerDocument;
}>({
  name: 'user-tokens',
  version: 1,
  handles: ['UserTokenCreated', 'UserTokenRevoked', 'UserTokensSuspended', 'UserTokensUnsuspended'],
  readModels: { tokens: userTokensModel, suspended: suspendedTokenOwnersModel },
  async apply(raw, { tokens, suspended }) {
    const event = raw as Recorded;
    switch (event.type) {
      case 'UserTokenCreated': {
        const { tokenHash, tokenId, userId, description, expiredAt, createdAt, createdBy } = event.data;
        await tokens.put(
          { id: tokenHash, tokenId, userId, description, expiredAt, createdAt, createdBy },
          event.position,
        );
        return;
      }
      case 'UserTokenRevoked': {
        // Replayed after the delete, the find comes back empty: nothing to do, as it should be.
        const [doc] = await tokens.find({ where: { tokenId: event.data.tokenId }, limit: 1 });
        if (doc) await tokens.delete(doc.id, event.position);
        return;
      }
      case 'UserTokensSuspended':
        await suspended.put({ id: event.data.userId }, event.position);
        return;
      case 'UserTokensUnsuspended':
        await suspended.delete(event.data.userId, event.position);
        return;
    }
  },
});
