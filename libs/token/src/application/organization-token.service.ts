import {
  type CreateOrganizationTokenRequest,
  type CreateOrganizationTokenResult,
  type DeleteOrganizationTokenResult,
  ORGANIZATION_TOKEN_KINDS,
  type OrganizationTokenCredential,
  type OrganizationTokenKind,
  type OrganizationTokenView,
  type RequestMeta,
  type TokenCreator,
  type TokenTtlType,
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
  type OrganizationTokenCommand,
  organizationTokenDecider,
  type OrganizationTokenEvent,
  OrganizationTokenNotFound,
  organizationTokenStream,
  ttlTypeOfKind,
} from '../domain/organization-token/organization-token.decider';
import { credentialHash, organizationTokenIdFor, verifiedApiToken } from './credentials';
import type { OrganizationTokenDocument } from './organization-tokens.projection';
import { invalidTokenRequest } from './request-errors';
import { metadataOf } from './session.service';
import type { TokenTtlPolicies } from './token-ttl-policies';
import type { UserTokenActivity } from './user-token-activity';
import { normalizeExpiry } from './user-token.service';

export interface OrganizationTokenServiceDeps {
  events: EventStore;
  /** The `organization-tokens` projection's runner: every write waits for it before answering (read-your-writes). */
  runner: Pick<ProjectionRunner, 'catchUp'>;
  tokens: ReadStore<OrganizationTokenDocument>;
  /** Coarse last use (its own read model, `organization-token-activity`). */
  activity: UserTokenActivity;
  clock: Clock;
  newTokenId: () => string;
  newSecret: () => string;
  /** The organizations' token TTL policies (ADR 012): `organization` / `audit_trails` maxima bound `expiredAt`. */
  ttlPolicies: Pick<TokenTtlPolicies, 'maxTtlMs' | 'boundAfterCreate'>;
}

/** `created-by` from the request's actor: a user, or the organization token itself. Anything else is refused. */
const creatorOf = (meta: RequestMeta | undefined): TokenCreator => {
  const actor = meta?.actor;
  if (actor?.kind === 'user' && actor.id) return { type: 'users', id: actor.id };
  if (actor?.kind === 'organization' && actor.id) return { type: 'organizations', id: actor.id };
  throw invalidTokenRequest('meta.actor: must be a user or an organization', 'meta.actor');
};

/**
 * Organization API tokens (TFC-API §5.3): create (= regenerate), verify, read, delete, and the reactions to the
 * membership service's events (deletion revokes, renames follow). Authorization is not here: the gateway asks the
 * membership service whether the caller may manage the organization's token before it sends anything. Every write
 * waits for the `organization-tokens` projection, so a created token verifies at once and a replaced or deleted one
 * fails at once.
 */
export class OrganizationTokenService {
  constructor(private readonly deps: OrganizationTokenServiceDeps) {}

  async create(
    request: Omit<CreateOrganizationTokenRequest, 'meta'> & { meta?: RequestMeta },
  ): Promise<CreateOrganizationTokenResult> {
    const { clock } = this.deps;
    const { organizationId, organizationName, kind } = request;
    const createdBy = creatorOf(request.meta);
    const now = clock.now().toISOString();
    const tokenId = request.requestId
      ? organizationTokenIdFor(organizationId, kind, request.requestId)
      : this.deps.newTokenId();
    const secret = this.deps.newSecret();
    const requestedExpiry = normalizeExpiry(request.expiredAt);
    const ttlType = ttlTypeOfKind(kind);
    const maxTtlMs = await this.deps.ttlPolicies.maxTtlMs(organizationId, ttlType);
    const { events } = await this.execute(organizationId, kind, {
      type: 'CreateOrganizationToken',
      data: {
        tokenId,
        organizationId,
        organizationName,
        kind,
        expiredAt: requestedExpiry,
        tokenHash: credentialHash(secret),
        now,
        createdBy,
        maxTtlMs,
      },
      metadata: metadataOf(request.meta),
    });
    const replacedTokenId =
      events.flatMap((e) => (e.type === 'OrganizationTokenRevoked' ? [e.data.tokenId] : []))[0] ?? null;
    await this.afterWrite(replacedTokenId ? [replacedTokenId] : []);
    const created = events.find(
      (e): e is Extract<OrganizationTokenEvent, { type: 'OrganizationTokenCreated' }> =>
        e.type === 'OrganizationTokenCreated',
    )!.data;
    const expiredAt = await this.deps.ttlPolicies.boundAfterCreate(
      { tokenId, organizationId, createdAt: now, expiredAt: created.expiredAt },
      ttlType,
      (max) =>
        this.shortenKind(organizationId, kind, max, {
          ...metadataOf(request.meta),
          actor: { kind: 'system', id: 'token' },
        }),
    );
    return {
      token: {
        id: tokenId,
        organizationId,
        organizationName,
        kind,
        createdAt: now,
        lastUsedAt: null,
        expiredAt,
        createdBy,
      },
      secret,
      replacedTokenId,
    };
  }

  /**
   * Which organization an API token secret belongs to, or null: unknown, replaced, deleted, or expired
   * (`expiredAt` at or before now). A good one is touched (coarse last use).
   */
  async verify(secret: unknown): Promise<OrganizationTokenCredential | null> {
    const doc = await verifiedApiToken(secret, this.deps);
    if (!doc) return null;
    return {
      kind: 'organization-token',
      tokenId: doc.tokenId,
      organizationId: doc.organizationId,
      organizationName: doc.organizationName,
      tokenKind: doc.kind,
      expiresAt: doc.expiredAt,
    };
  }

  /** The organization's token of that kind; `OrganizationTokenNotFound` when there is none. */
  async get(organizationId: string, kind: OrganizationTokenKind): Promise<OrganizationTokenView> {
    const [doc] = await this.deps.tokens.find({ where: { organizationId, kind }, limit: 1 });
    if (!doc) throw new OrganizationTokenNotFound();
    const used = await this.deps.activity.lastUsedOf([doc.tokenId]);
    return {
      id: doc.tokenId,
      organizationId: doc.organizationId,
      organizationName: doc.organizationName,
      kind: doc.kind,
      createdAt: doc.createdAt,
      lastUsedAt: used.get(doc.tokenId) ?? null,
      expiredAt: doc.expiredAt,
      createdBy: doc.createdBy,
    };
  }

  /** Revokes the organization's token of that kind; `OrganizationTokenNotFound` when there is none. */
  async delete(request: {
    organizationId: string;
    kind: OrganizationTokenKind;
    meta?: RequestMeta;
  }): Promise<DeleteOrganizationTokenResult> {
    const { events } = await this.execute(request.organizationId, request.kind, {
      type: 'DeleteOrganizationToken',
      data: {},
      metadata: metadataOf(request.meta),
    });
    // The decider answers NOT_FOUND when there is no token, so exactly one revocation was appended.
    const tokenId = events.flatMap((e) =>
      e.type === 'OrganizationTokenRevoked' ? [e.data.tokenId] : [],
    )[0]!;
    await this.afterWrite([tokenId]);
    return { revoked: true, tokenId };
  }

  /** The organization was deleted: its tokens of every kind are revoked and no new one can be created. */
  async closeOrganization(organizationId: string, metadata: EventMetadata): Promise<number> {
    const revoked: string[] = [];
    for (const kind of ORGANIZATION_TOKEN_KINDS) {
      const { events } = await this.execute(organizationId, kind, {
        type: 'CloseOrganizationTokens',
        data: { organizationId, kind },
        metadata,
      });
      for (const e of events) if (e.type === 'OrganizationTokenRevoked') revoked.push(e.data.tokenId);
    }
    await this.afterWrite(revoked);
    return revoked.length;
  }

  /**
   * The organization's token TTL policies changed (ADR 012): the current token of each kind whose policy type has a
   * maximum, if it lives longer, is shortened to `createdAt + max` (`OrganizationTokenExpiryShortened`), possibly
   * already past — it stops verifying. Idempotent, and a looser maximum lengthens nothing. Returns the ids shortened.
   */
  async shortenOrganization(
    organizationId: string,
    maxTtlMsOf: (type: TokenTtlType) => number | null,
    metadata: EventMetadata,
  ): Promise<string[]> {
    const shortened: string[] = [];
    for (const kind of ORGANIZATION_TOKEN_KINDS) {
      const maxTtlMs = maxTtlMsOf(ttlTypeOfKind(kind));
      if (maxTtlMs === null) continue;
      for (const e of await this.shortenKind(organizationId, kind, maxTtlMs, metadata))
        shortened.push(e.tokenId);
    }
    return shortened;
  }

  /** The organization was renamed: its live tokens carry the new name (the synthetic service user shows it). */
  async renameOrganization(
    organizationId: string,
    organizationName: string,
    metadata: EventMetadata,
  ): Promise<void> {
    for (const kind of ORGANIZATION_TOKEN_KINDS)
      await this.execute(organizationId, kind, {
        type: 'RenameOrganization',
        data: { organizationName },
        metadata,
      });
    await this.deps.runner.catchUp();
  }

  /** Shortens the current token of one kind to `maxTtlMs`: what was shortened (nothing or that token). */
  private async shortenKind(
    organizationId: string,
    kind: OrganizationTokenKind,
    maxTtlMs: number,
    metadata: EventMetadata,
  ): Promise<{ tokenId: string; expiredAt: string }[]> {
    const { events } = await this.execute(organizationId, kind, {
      type: 'ShortenOrganizationTokenExpiry',
      data: { maxTtlMs },
      metadata,
    });
    await this.deps.runner.catchUp();
    return events.flatMap((e) =>
      e.type === 'OrganizationTokenExpiryShortened'
        ? [{ tokenId: e.data.tokenId, expiredAt: e.data.expiredAt }]
        : [],
    );
  }

  private async afterWrite(revokedTokenIds: readonly string[]): Promise<void> {
    // Projection first: once a token is gone from `organization-tokens`, no verification can touch it again.
    await this.deps.runner.catchUp();
    const now = this.deps.clock.now().getTime();
    for (const id of revokedTokenIds) await this.deps.activity.forget(id, now);
  }

  private execute(
    organizationId: string,
    kind: OrganizationTokenKind,
    command: OrganizationTokenCommand & { metadata?: EventMetadata },
  ) {
    return handleCommand(
      this.deps.events,
      organizationTokenStream(organizationId, kind),
      organizationTokenDecider,
      command,
    );
  }
}
