import type {
  CreateUserTokenRequest,
  CreateUserTokenResult,
  RequestMeta,
  UserTokenCredential,
  UserTokenView,
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
  type TokenOwnerCommand,
  tokenOwnerDecider,
  tokenOwnerStream,
} from '../domain/user-token/token-owner.decider';
import {
  InvalidUserTokenExpiry,
  type UserTokenCommand,
  userTokenDecider,
  UserTokenNotFound,
  userTokenStream,
} from '../domain/user-token/user-token.decider';
import { credentialHash, isUserTokenSecret, userTokenIdFor } from './credentials';
import { metadataOf } from './session.service';
import type { UserTokenActivity } from './user-token-activity';
import type { SuspendedTokenOwnerDocument, UserTokenDocument } from './user-tokens.projection';

export interface UserTokenServiceDeps {
  events: EventStore;
  /** The `user-tokens` projection's runner: every write waits for it before answering (read-your-writes). */
  runner: Pick<ProjectionRunner, 'catchUp'>;
  tokens: ReadStore<UserTokenDocument>;
  suspended: ReadStore<SuspendedTokenOwnerDocument>;
  activity: UserTokenActivity;
  clock: Clock;
  newTokenId: () => string;
  newSecret: () => string;
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** `expired-at` as given → canonical ISO 8601 (ms, `Z`), or null for "never". */
export const normalizeExpiry = (value: string | null | undefined): string | null => {
  if (value === null || value === undefined) return null;
  const ms = Date.parse(value);
  if (!ISO_INSTANT.test(value) || Number.isNaN(ms))
    throw new InvalidUserTokenExpiry('Expired at must be an ISO 8601 timestamp');
  return new Date(ms).toISOString();
};

/**
 * User API tokens (TFC-API §4): create, verify, list, read, revoke, and the identity reactions (suspension makes a
 * user's tokens unverifiable until unsuspension; deletion revokes them). Plain application code; the Nest handlers
 * only parse requests and map errors. Every write waits for the `user-tokens` projection before it resolves, so a
 * created token verifies at once and a revoked one fails at once.
 */
export class UserTokenService {
  constructor(private readonly deps: UserTokenServiceDeps) {}

  async create(
    request: Omit<CreateUserTokenRequest, 'meta'> & { meta?: RequestMeta },
  ): Promise<CreateUserTokenResult> {
    const { clock, runner } = this.deps;
    const now = clock.now().toISOString();
    const tokenId = request.requestId
      ? userTokenIdFor(request.userId, request.requestId)
      : this.deps.newTokenId();
    const secret = this.deps.newSecret();
    const description = request.description ?? null;
    const expiredAt = normalizeExpiry(request.expiredAt);
    await this.execute(tokenId, {
      type: 'CreateUserToken',
      data: {
        tokenId,
        userId: request.userId,
        description,
        expiredAt,
        tokenHash: credentialHash(secret),
        now,
        createdBy: request.userId,
      },
      metadata: metadataOf(request.meta),
    });
    await runner.catchUp();
    return {
      token: {
        id: tokenId,
        userId: request.userId,
        description,
        createdAt: now,
        lastUsedAt: null,
        expiredAt,
        createdBy: request.userId,
      },
      secret,
    };
  }

  /**
   * Who a user token secret belongs to, or null: unknown, revoked, expired (`expiredAt` at or before now) or owned
   * by a suspended user. A good one is touched (coarse last use).
   */
  async verify(secret: unknown): Promise<UserTokenCredential | null> {
    if (!isUserTokenSecret(secret)) return null;
    const { tokens, suspended, activity, clock } = this.deps;
    const doc = await tokens.get(credentialHash(secret));
    if (!doc) return null;
    const now = clock.now().getTime();
    if (doc.expiredAt !== null && Date.parse(doc.expiredAt) <= now) return null;
    if (await suspended.get(doc.userId)) return null;
    await activity.touch(doc.tokenId, now);
    return {
      kind: 'user-token',
      tokenId: doc.tokenId,
      userId: doc.userId,
      expiresAt: doc.expiredAt,
      createdAt: doc.createdAt,
    };
  }

  /** The user's tokens (expired included, revoked not), newest first. */
  async list(userId: string): Promise<UserTokenView[]> {
    const docs = await this.deps.tokens.find({ where: { userId }, sort: [['createdAt', 'desc']] });
    return this.views(docs);
  }

  /** One of the user's tokens; `UserTokenNotFound` for an unknown, revoked or someone else's. */
  async get(userId: string, tokenId: string): Promise<UserTokenView> {
    const [doc] = await this.deps.tokens.find({ where: { tokenId }, limit: 1 });
    if (!doc || doc.userId !== userId) throw new UserTokenNotFound();
    const [view] = await this.views([doc]);
    return view!;
  }

  /** Revokes one of the user's tokens; `UserTokenNotFound` for an unknown, already revoked or someone else's. */
  async revoke(request: { userId: string; tokenId: string; meta?: RequestMeta }): Promise<void> {
    await this.execute(request.tokenId, {
      type: 'RevokeUserToken',
      data: { ownerId: request.userId, reason: 'revoked' },
      metadata: metadataOf(request.meta),
    });
    await this.afterRevoke([request.tokenId]);
  }

  /** Account deleted: every token of the user is revoked. Returns how many this call revoked. */
  async revokeAll(userId: string, metadata: EventMetadata): Promise<number> {
    await this.deps.runner.catchUp();
    const docs = await this.deps.tokens.find({ where: { userId } });
    let count = 0;
    for (const doc of docs) {
      const { events } = await this.execute(doc.tokenId, {
        type: 'RevokeUserToken',
        data: { ownerId: userId, reason: 'account-deleted' },
        metadata,
      });
      count += events.length;
    }
    await this.afterRevoke(docs.map((d) => d.tokenId));
    return count;
  }

  /** Account suspended (true) or unsuspended (false): the user's tokens stop or resume verifying. */
  async setSuspended(userId: string, suspended: boolean, metadata: EventMetadata): Promise<void> {
    const command: TokenOwnerCommand & { metadata: EventMetadata } = {
      type: suspended ? 'SuspendUserTokens' : 'UnsuspendUserTokens',
      data: { userId },
      metadata,
    };
    await handleCommand(this.deps.events, tokenOwnerStream(userId), tokenOwnerDecider, command);
    await this.deps.runner.catchUp();
  }

  private async views(docs: readonly UserTokenDocument[]): Promise<UserTokenView[]> {
    const used = await this.deps.activity.lastUsedOf(docs.map((d) => d.tokenId));
    return docs.map((doc) => ({
      id: doc.tokenId,
      userId: doc.userId,
      description: doc.description,
      createdAt: doc.createdAt,
      lastUsedAt: used.get(doc.tokenId) ?? null,
      expiredAt: doc.expiredAt,
      createdBy: doc.createdBy,
    }));
  }

  private async afterRevoke(tokenIds: readonly string[]): Promise<void> {
    // Projection first: once the token is gone from `user-tokens`, no verification can touch it again.
    await this.deps.runner.catchUp();
    const now = this.deps.clock.now().getTime();
    for (const id of tokenIds) await this.deps.activity.forget(id, now);
  }

  private execute(tokenId: string, command: UserTokenCommand & { metadata?: EventMetadata }) {
    return handleCommand(this.deps.events, userTokenStream(tokenId), userTokenDecider, command);
  }
}
