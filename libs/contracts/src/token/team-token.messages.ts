import { z } from 'zod';
import { requestMetaSchema } from '../rpc';

/**
 * Team API tokens (TFC-API §5.1 multiple described tokens, §5.2 the legacy descriptionless one), answered by the
 * token service. As for organization tokens, **they are not authorized here**: the gateway asks the membership
 * service (`membership.get-team` as the caller, `permissions.canUpdateApiToken`) first and sends the team's id and
 * its organization's id. Verification of the secrets goes through `TOKEN.verifyCredential`, like every other
 * credential; a team token acts as its team (`meta.actor {kind:'team', id: teamId}`).
 */
export const TEAM_TOKEN = {
  /**
   * Creates a team token. With a `description`: one more described token (the description unique within the team,
   * `TOKEN.DESCRIPTION_TAKEN` otherwise). Without (`null`): the legacy token, revoking the current legacy token in the
   * same decision (regenerate).
   */
  createTeamToken: 'token.create-team-token',
  /** One team token by id (never the secret); `TOKEN.NOT_FOUND` for an unknown or revoked one. */
  getTeamToken: 'token.get-team-token',
  /** The team's legacy (descriptionless) token; `TOKEN.NOT_FOUND` when there is none. */
  getLegacyTeamToken: 'token.get-legacy-team-token',
  /** The live team tokens of an organization (optionally only of some teams); never a secret. */
  listTeamTokens: 'token.list-team-tokens',
  /** Revokes team tokens by id (all of one team or of several); `TOKEN.NOT_FOUND` if any is unknown, nothing revoked. */
  deleteTeamTokens: 'token.delete-team-tokens',
  /** Revokes the team's legacy token; `TOKEN.NOT_FOUND` when there is none (a second delete too). */
  deleteLegacyTeamToken: 'token.delete-legacy-team-token',
  /**
   * The gateway has just deleted a team (`teamId`) or an organization (`organizationId`) through the membership
   * service: every token of it is revoked now, so the very next request with one is a 401 (the reaction to
   * membership's `TeamDeleted` / `OrganizationDeleted` does the same, later; both are idempotent).
   */
  closeTeamTokens: 'token.close-team-tokens',
} as const;

export type TeamTokenPattern = (typeof TEAM_TOKEN)[keyof typeof TEAM_TOKEN];

/** Bounded like user-token descriptions. */
export const TEAM_TOKEN_DESCRIPTION_MAX = 256;

/** Membership's `team-…` / `org-…` ids (they name streams here, so nothing else is accepted). */
const entityId = (what: string) =>
  z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, `must be ${what}`);
const teamId = entityId('a team id');
const organizationId = entityId('an organization id');
const tokenId = z.string().min(1).max(64);

export const createTeamTokenRequest = z.object({
  /** `meta.actor` is the creator: a user, the organization token (`organization`) or a team token (`team`). */
  meta: requestMetaSchema,
  teamId,
  /** The team's organization (from membership's answer): its deletion revokes the team's tokens. */
  organizationId,
  /** A described token (non-blank, unique within the team), or null for the legacy token. */
  description: z.string().trim().min(1).max(TEAM_TOKEN_DESCRIPTION_MAX).nullable(),
  /**
   * ISO 8601 instant after now, or null/absent for a token that never expires — unless the organization has a token
   * TTL policy for this token type (TFC-API §5.4): then absent means `createdAt + max`, and a later instant is refused.
   */
  expiredAt: z.string().max(64).nullable().optional(),
  /** Idempotency key chosen by the gateway per request: a redelivered create is `TOKEN.ALREADY_EXISTS`. */
  requestId: z.string().min(1).max(200).optional(),
});
export const teamTokenRequest = z.object({ meta: requestMetaSchema, tokenId });
export const legacyTeamTokenRequest = z.object({ meta: requestMetaSchema, teamId });
export const listTeamTokensRequest = z.object({
  meta: requestMetaSchema,
  organizationId,
  /** Only these teams' tokens (the ones the caller may see); absent: every team of the organization. */
  teamIds: z.array(teamId).max(10_000).optional(),
});
export const deleteTeamTokensRequest = z.object({
  meta: requestMetaSchema,
  tokenIds: z.array(tokenId).min(1).max(100),
});

export const closeTeamTokensRequest = z.union([
  z.object({ meta: requestMetaSchema, teamId }),
  z.object({ meta: requestMetaSchema, organizationId }),
]);

export type CreateTeamTokenRequest = z.infer<typeof createTeamTokenRequest>;
export type CloseTeamTokensRequest = z.infer<typeof closeTeamTokensRequest>;
export type TeamTokenRequest = z.infer<typeof teamTokenRequest>;
export type LegacyTeamTokenRequest = z.infer<typeof legacyTeamTokenRequest>;
export type ListTeamTokensRequest = z.infer<typeof listTeamTokensRequest>;
export type DeleteTeamTokensRequest = z.infer<typeof deleteTeamTokensRequest>;

/** Who created a team token: TFC's polymorphic `created-by` (`organizations` / `teams` ids are `org-…` / `team-…`). */
export interface TeamTokenCreator {
  type: 'users' | 'organizations' | 'teams';
  id: string;
}

/** A team's API token (TFC-API §5.1/§5.2). Times are ISO 8601. Never the secret. */
export interface TeamTokenView {
  /** `at-` and 16 base58 characters. */
  id: string;
  teamId: string;
  organizationId: string;
  /** Null: the team's legacy token. */
  description: string | null;
  createdAt: string;
  /** Coarse: recorded at most once a minute; null when never used. */
  lastUsedAt: string | null;
  /** When it stops working; null: never. */
  expiredAt: string | null;
  createdBy: TeamTokenCreator;
}

export interface CreateTeamTokenResult {
  token: TeamTokenView;
  /** `<14 alnum>.atlasv1.<67 url-safe>`: returned once; only its SHA-256 is kept. */
  secret: string;
  /** The legacy token this one replaced (revoked in the same decision), or null. */
  replacedTokenId: string | null;
}

export interface ListTeamTokensResult {
  tokens: TeamTokenView[];
}

export interface DeleteTeamTokensResult {
  revoked: true;
  /** The tokens revoked (the gateway evicts them from its verification cache). */
  tokenIds: string[];
}

/** What a team token proves (one of `VerifyResult`). */
export interface TeamTokenCredential {
  kind: 'team-token';
  tokenId: string;
  teamId: string;
  organizationId: string;
  /** The token's `expired-at`, or null when it never expires. */
  expiresAt: string | null;
}

/** Request and reply of the team-token patterns (for the gateway's `ServiceMessages`). */
export interface TeamTokenMessages {
  [TEAM_TOKEN.createTeamToken]: { request: CreateTeamTokenRequest; reply: CreateTeamTokenResult };
  [TEAM_TOKEN.getTeamToken]: { request: TeamTokenRequest; reply: TeamTokenView };
  [TEAM_TOKEN.getLegacyTeamToken]: { request: LegacyTeamTokenRequest; reply: TeamTokenView };
  [TEAM_TOKEN.listTeamTokens]: { request: ListTeamTokensRequest; reply: ListTeamTokensResult };
  [TEAM_TOKEN.deleteTeamTokens]: { request: DeleteTeamTokensRequest; reply: DeleteTeamTokensResult };
  [TEAM_TOKEN.deleteLegacyTeamToken]: { request: LegacyTeamTokenRequest; reply: DeleteTeamTokensResult };
  [TEAM_TOKEN.closeTeamTokens]: { request: CloseTeamTokensRequest; reply: DeleteTeamTokensResult };
}
