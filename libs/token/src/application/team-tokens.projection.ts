import type { TeamTokenCreator } from '@idp/contracts';
import { defineProjection, type ReadModel, type RecordedEvent } from '@idp/eventing';
import type { TeamTokenEvent } from '../domain/team-token/team-token.decider';

/**
 * A live team API token, keyed by the SHA-256 of its secret: verification is one `get(sha256(secret))`, as for the
 * other tokens. Revoked tokens are deleted (a tombstone stays, so a replayed create cannot revive them); expired ones
 * stay (lists show them) and are refused by verification. A TTL policy's shortening rewrites `expiredAt`.
 */
export interface TeamTokenDocument {
  /** SHA-256 (hex) of the secret. */
  id: string;
  tokenId: string;
  teamId: string;
  organizationId: string;
  description: string | null;
  expiredAt: string | null;
  createdAt: string;
  createdBy: TeamTokenCreator;
}

export const teamTokensModel: ReadModel<TeamTokenDocument> = {
  name: 'team-tokens',
  indexes: [{ tokenId: 1 }, { teamId: 1 }, { organizationId: 1 }],
};

type Recorded = RecordedEvent & TeamTokenEvent;

export const teamTokensProjection = defineProjection<{ tokens: TeamTokenDocument }>({
  name: 'team-tokens',
  version: 1,
  handles: ['TeamTokenCreated', 'TeamTokenRevoked', 'TeamTokenExpiryShortened'],
  readModels: { tokens: teamTokensModel },
  async apply(raw, { tokens }) {
    const event = raw as Recorded;
    switch (event.type) {
      case 'TeamTokenCreated': {
        const { tokenHash, tokenId, teamId, organizationId, description, expiredAt, createdAt, createdBy } =
          event.data;
        await tokens.put(
          { id: tokenHash, tokenId, teamId, organizationId, description, expiredAt, createdAt, createdBy },
          event.position,
        );
        return;
      }
      case 'TeamTokenRevoked': {
        // Replayed after the delete, the find comes back empty: nothing to do, as it should be.
        const [doc] = await tokens.find({ where: { tokenId: event.data.tokenId }, limit: 1 });
        if (doc) await tokens.delete(doc.id, event.position);
        return;
      }
      case 'TeamTokenExpiryShortened': {
        // Position-guarded: replayed, the patch is not newer and writes nothing.
        const [doc] = await tokens.find({ where: { tokenId: event.data.tokenId }, limit: 1 });
        if (doc) await tokens.patch(doc.id, { expiredAt: event.data.expiredAt }, event.position);
        return;
      }
      default:
        return;
    }
  },
});
