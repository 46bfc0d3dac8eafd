import type {
  CreateTeamTokenRequest,
  CreateTeamTokenResult,
  DeleteTeamTokensResult,
  RequestMeta,
  TeamTokenCreator,
  TeamTokenCredential,
  TeamTokenView,
} from '@idp/contracts';
import {
  type Clock,
  type EventMetadata,
  type EventStore,
  handleCommand,
  type ProjectionRunner,
  type ReadStore,
} from '@idp/eventing';
import {
  type TeamTokenCommand,
  teamTokenDecider,
  type TeamTokenEvent,
  TeamTokenNotFound,
  teamTokenStream,
} from '../domain/team-token/team-token.decider';
import { exceedsMaxTtl } from '../domain/token-ttl-policy/token-ttl';
import { credentialHash, teamTokenIdFor, verifiedApiToken } from './credentials';
import { invalidTokenRequest } from './request-errors';
import { metadataOf } from './session.service';
import type { TeamTokenDocument } from './team-tokens.projection';
import type { TokenTtlPolicies } from './token-ttl-policies';
import type { UserTokenActivity } from './user-token-activity';
import { normalizeExpiry } from './user-token.service';

export interface TeamTokenServiceDeps {
  events: EventStore;
  /** The `team-tokens` projection's runner: every write waits for it before answering (read-your-writes). */
  runner: Pick<ProjectionRunner, 'catchUp'>;
  tokens: ReadStore<TeamTokenDocument>;
  /** Coarse last use (its own read model, `team-token-activity`). */
  activity: UserTokenActivity;
  clock: Clock;
  newTokenId: () => string;
  newSecret: () => string;
  /** The organizations' token TTL policies (ADR 012): the `team` maximum bounds `expiredAt`. */
  ttlPolicies: Pick<TokenTtlPolicies, 'maxTtlMs' | 'boundAfterCreate'>;
}

/** `created-by` from the request's actor: a user, the organization token or a team token. Anything else is refused. */
const creatorOf = (meta: RequestMeta | undefined): TeamTokenCreator => {
  const actor = meta?.actor;
  if (actor?.kind === 'user' && actor.id) return { type: 'users', id: actor.id };
  if (actor?.kind === 'organization' && actor.id) return { type: 'organizations', id: actor.id };
  if (actor?.kind === 'team' && actor.id) return { type: 'teams', id: actor.id };
  throw invalidTokenRequest('meta.actor: must be a user, an organization or a team', 'meta.actor');
};

const viewOf = (doc: TeamTokenDocument, lastUsedAt: string | null): TeamTokenView => ({
  id: doc.tokenId,
  teamId: doc.teamId,
  organizationId: doc.organizationId,
  description: doc.description,
  createdAt: doc.createdAt,
  lastUsedAt,
  expiredAt: doc.expiredAt,
  createdBy: doc.createdBy,
});

/**
 * Team API tokens (TFC-API §5.1, §5.2): create (a described token, or the legacy one = regenerate), verify, read,
 * list, delete, and the reactions to membership's events (a deleted team or organization revokes them). Authorization
 * is not here: the gateway asks the membership service whether the caller may manage the team's tokens before it
 * sends anything. Every write waits for the `team-tokens` projection, so a created token verifies at once and a
 * revoked one fails at once.
 */
export class TeamTokenService {
  constructor(private readonly deps: TeamTokenServiceDeps) {}

  async create(
    request: Omit<CreateTeamTokenRequest, 'meta'> & { meta?: RequestMeta },
  ): Promise<CreateTeamTokenResult> {
    const { clock } = this.deps;
    const { teamId, organizationId } = request;
    const createdBy = creatorOf(request.meta);
    const now = clock.now().toISOString();
    const tokenId = request.requestId ? teamTokenIdFor(teamId, request.requestId) : this.deps.newTokenId();
    const secret = this.deps.newSecret();
    const description = request.description === null ? null : request.description.trim();
    if (description === '') throw invalidTokenRequest("Description can't be blank", 'description');
    const requestedExpiry = normalizeExpiry(request.expiredAt);
    const maxTtlMs = await this.deps.ttlPolicies.maxTtlMs(organizationId, 'team');
    const { events } = await this.execute(teamId, {
      type: 'CreateTeamToken',
      data: {
        tokenId,
        teamId,
        organizationId,
        description,
        expiredAt: requestedExpiry,
        tokenHash: credentialHash(secret),
        now,
        createdBy,
        maxTtlMs,
      },
      metadata: metadataOf(request.meta),
    });
    const replacedTokenId =
      events.flatMap((e) => (e.type === 'TeamTokenRevoked' ? [e.data.tokenId] : []))[0] ?? null;
    await this.afterWrite(replacedTokenId ? [replacedTokenId] : []);
    const created = events.find(
      (e): e is Extract<TeamTokenEvent, { type: 'TeamTokenCreated' }> => e.type === 'TeamTokenCreated',
    )!.data;
    const expiredAt = await this.deps.ttlPolicies.boundAfterCreate(
      { tokenId, organizationId, createdAt: now, expiredAt: created.expiredAt },
      'team',
      (max) =>
        this.shortenTeam(teamId, max, {
          ...metadataOf(request.meta),
          actor: { kind: 'system', id: 'token' },
        }),
    );
    return {
      token: {
        id: tokenId,
        teamId,
        organizationId,
        description,
        createdAt: now,
        lastUsedAt: null,
        expiredAt,
        createdBy,
      },
      secret,
      replacedTokenId,
    };
  }

  /** Which team an API token secret belongs to, or null: unknown, revoked, or expired (`expiredAt` at or before now). */
  async verify(secret: unknown): Promise<TeamTokenCredential | null> {
    const doc = await verifiedApiToken(secret, this.deps);
    if (!doc) return null;
    return {
      kind: 'team-token',
      tokenId: doc.tokenId,
      teamId: doc.teamId,
      organizationId: doc.organizationId,
      expiresAt: doc.expiredAt,
    };
  }

  /** One live team token by id; `TeamTokenNotFound` otherwise. */
  async get(tokenId: string): Promise<TeamTokenView> {
    const [doc] = await this.deps.tokens.find({ where: { tokenId }, limit: 1 });
    if (!doc) throw new TeamTokenNotFound();
    return (await this.views([doc]))[0]!;
  }

  /** The team's legacy token; `TeamTokenNotFound` when there is none. */
  async getLegacy(teamId: string): Promise<TeamTokenView> {
    const [doc] = await this.deps.tokens.find({ where: { teamId, description: null }, limit: 1 });
    if (!doc) throw new TeamTokenNotFound();
    return (await this.views([doc]))[0]!;
  }

  /** The organization's live team tokens (expired included), optionally of some teams only, oldest first. */
  async list(organizationId: string, teamIds?: readonly string[]): Promise<TeamTokenView[]> {
    if (teamIds && teamIds.length === 0) return [];
    const docs = await this.deps.tokens.find({
      where: teamIds ? { organizationId, teamId: { $in: [...teamIds] } } : { organizationId },
      sort: [
        ['createdAt', 'asc'],
        ['tokenId', 'asc'],
      ],
    });
    return this.views(docs);
  }

  /**
   * Revokes tokens by id. Each team's tokens are revoked in one decision; when any id is unknown (or already
   * revoked) nothing is revoked and the answer is `TeamTokenNotFound` (a second DELETE is a 404).
   */
  async delete(request: {
    tokenIds: readonly string[];
    meta?: RequestMeta;
  }): Promise<DeleteTeamTokensResult> {
    const ids = [...new Set(request.tokenIds)];
    const docs = ids.length ? await this.deps.tokens.find({ where: { tokenId: { $in: ids } } }) : [];
    if (docs.length !== ids.length || !ids.length) throw new TeamTokenNotFound();
    const byTeam = new Map<string, string[]>();
    for (const doc of docs) byTeam.set(doc.teamId, [...(byTeam.get(doc.teamId) ?? []), doc.tokenId]);
    const revoked: string[] = [];
    try {
      for (const [teamId, tokenIds] of byTeam) {
        const { events } = await this.execute(teamId, {
          type: 'DeleteTeamTokens',
          data: { tokenIds },
          metadata: metadataOf(request.meta),
        });
        for (const e of events) if (e.type === 'TeamTokenRevoked') revoked.push(e.data.tokenId);
      }
    } finally {
      await this.afterWrite(revoked);
    }
    return { revoked: true, tokenIds: revoked };
  }

  /** Revokes the team's legacy token; `TeamTokenNotFound` when there is none. */
  async deleteLegacy(request: { teamId: string; meta?: RequestMeta }): Promise<DeleteTeamTokensResult> {
    const { events } = await this.execute(request.teamId, {
      type: 'DeleteLegacyTeamToken',
      data: {},
      metadata: metadataOf(request.meta),
    });
    const tokenIds = events.flatMap((e) => (e.type === 'TeamTokenRevoked' ? [e.data.tokenId] : []));
    await this.afterWrite(tokenIds);
    return { revoked: true, tokenIds };
  }

  /** The team was deleted: its tokens are revoked and no new one can be created. Returns the ids revoked now. */
  async closeTeam(
    teamId: string,
    reason: 'team-deleted' | 'organization-deleted',
    metadata: EventMetadata,
  ): Promise<string[]> {
    const { events } = await this.execute(teamId, {
      type: 'CloseTeamTokens',
      data: { teamId, reason },
      metadata,
    });
    const revoked = events.flatMap((e) => (e.type === 'TeamTokenRevoked' ? [e.data.tokenId] : []));
    await this.afterWrite(revoked);
    return revoked;
  }

  /**
   * The organization's `team` token TTL policy is `maxTtlMs` (ADR 012): every live token of its teams living longer
   * is shortened to `createdAt + maxTtlMs` (`TeamTokenExpiryShortened`), possibly already past — it stops verifying.
   * Idempotent, and a looser maximum lengthens nothing. Returns what was shortened now.
   */
  async shortenOrganization(
    organizationId: string,
    maxTtlMs: number,
    metadata: EventMetadata,
  ): Promise<{ tokenId: string; expiredAt: string }[]> {
    await this.deps.runner.catchUp();
    const docs = await this.deps.tokens.find({ where: { organizationId } });
    const teams = new Set(
      docs.filter((d) => exceedsMaxTtl(d.createdAt, d.expiredAt, maxTtlMs)).map((d) => d.teamId),
    );
    const shortened: { tokenId: string; expiredAt: string }[] = [];
    for (const teamId of teams) shortened.push(...(await this.shortenTeam(teamId, maxTtlMs, metadata)));
    return shortened;
  }

  /**
   * The organization was deleted: every team of it that holds tokens is closed. (Teams that never had a token are
   * not known here; a create for one of them racing with the deletion is the known gap in the README.)
   */
  async closeOrganization(organizationId: string, metadata: EventMetadata): Promise<string[]> {
    await this.deps.runner.catchUp();
    const docs = await this.deps.tokens.find({ where: { organizationId } });
    const revoked: string[] = [];
    for (const teamId of new Set(docs.map((d) => d.teamId)))
      revoked.push(...(await this.closeTeam(teamId, 'organization-deleted', metadata)));
    return revoked;
  }

  private async shortenTeam(
    teamId: string,
    maxTtlMs: number,
    metadata: EventMetadata,
  ): Promise<{ tokenId: string; expiredAt: string }[]> {
    const { events } = await this.execute(teamId, {
      type: 'ShortenTeamTokenExpiries',
      data: { maxTtlMs },
      metadata,
    });
    await this.deps.runner.catchUp();
    return events.flatMap((e) =>
      e.type === 'TeamTokenExpiryShortened' ? [{ tokenId: e.data.tokenId, expiredAt: e.data.expiredAt }] : [],
    );
  }

  private async views(docs: readonly TeamTokenDocument[]): Promise<TeamTokenView[]> {
    const used = await this.deps.activity.lastUsedOf(docs.map((d) => d.tokenId));
    return docs.map((doc) => viewOf(doc, used.get(doc.tokenId) ?? null));
  }

  private async afterWrite(revokedTokenIds: readonly string[]): Promise<void> {
    // Projection first: once a token is gone from `team-tokens`, no verification can touch it again.
    await this.deps.runner.catchUp();
    const now = this.deps.clock.now().getTime();
    for (const id of revokedTokenIds) await this.deps.activity.forget(id, now);
  }

  private execute(teamId: string, command: TeamTokenCommand & { metadata?: EventMetadata }) {
    return handleCommand(this.deps.events, teamTokenStream(teamId), teamTokenDecider, command);
  }
}
