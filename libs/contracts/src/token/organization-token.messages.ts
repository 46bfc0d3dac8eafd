import { z } from 'zod';
import { requestMetaSchema } from '../rpc';

/**
 * Organization API tokens (TFC `authentication-tokens` of an organization, TFC-API §5.3), answered by the token
 * service. One token per organization and kind: creating one replaces (revokes) the current one. The token service
 * does not authorize these requests — it knows nothing about owners: the gateway asks the membership service
 * (`MEMBERSHIP.getOrganization`, `permissions.canUpdateApiToken`) first and sends the organization's id.
 * Verification of the secrets goes through `TOKEN.verifyCredential`, like every other credential.
 */
export const ORG_TOKEN = {
  /** Creates the organization's token of `kind`, revoking the current one in the same decision (regenerate). */
  createOrganizationToken: 'token.create-organization-token',
  /** The organization's token of `kind` (never the secret); `TOKEN.NOT_FOUND` when there is none. */
  getOrganizationToken: 'token.get-organization-token',
  /** Revokes the organization's token of `kind`; `TOKEN.NOT_FOUND` when there is none (a second delete too). */
  deleteOrganizationToken: 'token.delete-organization-token',
} as const;

export type OrgTokenPattern = (typeof ORG_TOKEN)[keyof typeof ORG_TOKEN];

/** `organization`: the organization token; `audit-trails`: the token that may only read audit trails (TFC). */
export const ORGANIZATION_TOKEN_KINDS = ['organization', 'audit-trails'] as const;
export type OrganizationTokenKind = (typeof ORGANIZATION_TOKEN_KINDS)[number];

/** Membership's `org-…` ids (they name streams here, so nothing else is accepted). */
const organizationId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be an organization id');

export const createOrganizationTokenRequest = z.object({
  /** `meta.actor` is the creator: a user (`users`) or the organization token itself (`organizations`). */
  meta: requestMetaSchema,
  organizationId,
  /** The organization's current name, kept with the token for display (the synthetic service user). */
  organizationName: z.string().min(1).max(256),
  kind: z.enum(ORGANIZATION_TOKEN_KINDS),
  /**
   * ISO 8601 instant after now, or null/absent for a token that never expires — unless the organization has a token
   * TTL policy for this token type (TFC-API §5.4): then absent means `createdAt + max`, and a later instant is refused.
   */
  expiredAt: z.string().max(64).nullable().optional(),
  /** Idempotency key chosen by the gateway per request: a redelivered create is `TOKEN.ALREADY_EXISTS`. */
  requestId: z.string().min(1).max(200).optional(),
});
export const organizationTokenRequest = z.object({
  meta: requestMetaSchema,
  organizationId,
  kind: z.enum(ORGANIZATION_TOKEN_KINDS),
});

export type CreateOrganizationTokenRequest = z.infer<typeof createOrganizationTokenRequest>;
export type OrganizationTokenRequest = z.infer<typeof organizationTokenRequest>;

/** Who created a token: TFC's polymorphic `created-by` (`organizations` ids here are `org-…` ids, not names). */
export interface TokenCreator {
  type: 'users' | 'organizations';
  id: string;
}

/** An organization's API token (TFC-API §5.3). Times are ISO 8601. Never the secret. */
export interface OrganizationTokenView {
  /** `at-` and 16 base58 characters. */
  id: string;
  organizationId: string;
  /** The organization's name as last known to the token service (set at creation, kept up to date on renames). */
  organizationName: string;
  kind: OrganizationTokenKind;
  createdAt: string;
  /** Coarse: recorded at most once a minute; null when never used. */
  lastUsedAt: string | null;
  /** When it stops working; null: never. */
  expiredAt: string | null;
  createdBy: TokenCreator;
}

export interface CreateOrganizationTokenResult {
  token: OrganizationTokenView;
  /** `<14 alnum>.atlasv1.<67 url-safe>`: returned once; only its SHA-256 is kept. */
  secret: string;
  /** The token this one replaced (revoked in the same decision), or null. */
  replacedTokenId: string | null;
}

export interface DeleteOrganizationTokenResult {
  revoked: true;
  /** The token revoked (the gateway evicts it from its verification cache). */
  tokenId: string;
}

/** What an organization token proves (one of `VerifyResult`). */
export interface OrganizationTokenCredential {
  kind: 'organization-token';
  tokenId: string;
  organizationId: string;
  /** For display only (the synthetic service user of `GET /account/details`); never an authorization key. */
  organizationName: string;
  tokenKind: OrganizationTokenKind;
  /** The token's `expired-at`, or null when it never expires. */
  expiresAt: string | null;
}

/** Request and reply of the organization-token patterns (for the gateway's `ServiceMessages`). */
export interface OrganizationTokenMessages {
  [ORG_TOKEN.createOrganizationToken]: {
    request: CreateOrganizationTokenRequest;
    reply: CreateOrganizationTokenResult;
  };
  [ORG_TOKEN.getOrganizationToken]: { request: OrganizationTokenRequest; reply: OrganizationTokenView };
  [ORG_TOKEN.deleteOrganizationToken]: {
    request: OrganizationTokenRequest;
    reply: DeleteOrganizationTokenResult;
  };
}
