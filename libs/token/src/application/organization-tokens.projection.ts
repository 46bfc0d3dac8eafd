import type { OrganizationTokenKind, TokenCreator } from '@idp/contracts';
import { defineProjection, type ReadModel, type RecordedEvent } from '@idp/eventing';
import type { OrganizationTokenEvent } from '../domain/organization-token/organization-token.decider';

/**
 * A live organization API token, keyed by the SHA-256 of its secret: verification is one `get(sha256(secret))`, as
 * for user tokens and sessions. At most one document per organization and kind (the aggregate guarantees it).
 * Revoked tokens are deleted (a tombstone stays, so a replayed create cannot revive them); expired ones stay (GET
 * shows them) and are refused by verification. A TTL policy's shortening rewrites `expiredAt`.
 */
export interface OrganizationTokenDocument {
  /** SHA-256 (hex) of the secret. */
  id: string;
  tokenId: string;
  organizationId: string;
  organizationName: string;
  kind: OrganizationTokenKind;
  expiredAt: string | null;
  createdAt: string;
  createdBy: TokenCreator;
}

export const organizationTokensModel: ReadModel<OrganizationTokenDocument> = {
  name: 'organization-tokens',
  indexes: [{ tokenId: 1 }, { organizationId: 1, kind: 1 }],
};

type Recorded = RecordedEvent & OrganizationTokenEvent;

export const organizationTokensProjection = defineProjection<{ tokens: OrganizationTokenDocument }>({
  name: 'organization-tokens',
  version: 1,
  handles: [
    'OrganizationTokenCreated',
    'OrganizationTokenRevoked',
    'OrganizationTokenOrganizationRenamed',
    'OrganizationTokenExpiryShortened',
  ],
  readModels: { tokens: organizationTokensModel },
  async apply(raw, { tokens }) {
    const event = raw as Recorded;
    switch (event.type) {
      case 'OrganizationTokenCreated': {
        const {
          tokenHash,
          tokenId,
          organizationId,
          organizationName,
          kind,
          expiredAt,
          createdAt,
          createdBy,
        } = event.data;
        await tokens.put(
          { id: tokenHash, tokenId, organizationId, organizationName, kind, expiredAt, createdAt, createdBy },
          event.position,
        );
        return;
      }
      case 'OrganizationTokenRevoked': {
        // Replayed after the delete, the find comes back empty: nothing to do, as it should be.
        const [doc] = await tokens.find({ where: { tokenId: event.data.tokenId }, limit: 1 });
        if (doc) await tokens.delete(doc.id, event.position);
        return;
      }
      case 'OrganizationTokenOrganizationRenamed': {
        const [doc] = await tokens.find({ where: { tokenId: event.data.tokenId }, limit: 1 });
        if (doc)
          await tokens.patch(doc.id, { organizationName: event.data.organizationName }, event.position);
        return;
      }
      case 'OrganizationTokenExpiryShortened': {
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
