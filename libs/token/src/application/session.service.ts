import type {
  CompleteTwoFactorRequest,
  CompleteTwoFactorResult,
  EndAllSessionsRequest,
  EndImpersonationRequest,
  EndImpersonationResult,
  EndSessionRequest,
  ListSessionsRequest,
  RequestMeta,
  SessionView,
  StartImpersonationRequest,
  StartSessionRequest,
  StartSessionResult,
  VerifyResult,
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
  ImpersonationForbidden,
  ImpersonationReasonRequired,
  NotImpersonating,
  type SessionCommand,
  sessionDecider,
  type SessionEndReason,
  type SessionImpersonation,
  SessionNotFound,
  sessionStream,
} from '../domain/session/session.decider';
import { isExpiredAt, sessionDeadlines, type SessionPolicy } from '../domain/session/session-policy';
import { credentialHash, isPlausibleSecret, sessionIdFor } from './credentials';
import type { SessionActivity } from './session-activity';
import type { SessionDocument } from './sessions.projection';

export interface SessionServiceDeps {
  events: EventStore;
  /** The `sessions` projection's runner: every write waits for it before answering (read-your-writes). */
  runner: Pick<ProjectionRunner, 'catchUp'>;
  sessions: ReadStore<SessionDocument>;
  activity: SessionActivity;
  clock: Clock;
  policy: SessionPolicy;
  newSessionId: () => string;
  newSecret: () => string;
  /** Where failures that must not fail the caller go (a lazy expiry that could not be recorded). */
  warn?: (message: string, details: Record<string, unknown>) => void;
}

export interface EndAllOptions {
  reason: Exclude<SessionEndReason, 'expired'>;
  exceptSessionId?: string;
  /** Only sessions started at or before this instant (ISO 8601): a password reset spares later logins. */
  startedAtOrBefore?: string;
  metadata?: EventMetadata;
}

/** The event metadata a request carries into the events it causes. */
export const metadataOf = (meta: RequestMeta | undefined): EventMetadata => {
  const { actor, correlationId, traceparent } = meta ?? {};
  return {
    ...(actor ? { actor } : {}),
    ...(correlationId ? { correlationId } : {}),
    ...(traceparent ? { traceparent } : {}),
  };
};

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Browser sessions: start, verify, list, end. Plain application code (no framework); the Nest handlers in this
 * folder only parse requests and map errors.
 *
 * Consistency: the `sessions` read model is the verification index. Every method that appends waits for the
 * projection to catch up before it resolves, so once a caller has a token it verifies, and once a logout has
 * answered, the token no longer does — on this replica and, with MongoDB, on every other.
 */
export class SessionService {
  constructor(private readonly deps: SessionServiceDeps) {}

  /** Throws `SessionAlreadyExists` when `requestId` was used before (a redelivered request). */
  async start(
    request: Omit<StartSessionRequest, 'meta'> & { meta?: RequestMeta },
    impersonation?: SessionImpersonation,
  ): Promise<StartSessionResult> {
    const { runner, activity, clock, policy } = this.deps;
    const now = clock.now().getTime();
    const sessionId = request.requestId
      ? sessionIdFor(request.userId, request.requestId)
      : this.deps.newSessionId();
    const token = this.deps.newSecret();
    const ip = request.meta?.ip;
    const userAgent = request.userAgent?.slice(0, 256);
    const absoluteExpiresAt = iso(now + policy.absoluteTimeoutMs);
    await this.execute(sessionId, {
      type: 'StartSession',
      data: {
        sessionId,
        userId: request.userId,
        tokenHash: credentialHash(token),
        now: iso(now),
        absoluteExpiresAt,
        ...(ip ? { ip } : {}),
        ...(userAgent ? { userAgent } : {}),
        ...(impersonation ? { impersonation } : {}),
        ...(request.twoFactorPending ? { twoFactorPending: true as const } : {}),
      },
      metadata: metadataOf(request.meta),
    });
    await activity.touch(sessionId, now, Number.NEGATIVE_INFINITY);
    await runner.catchUp();
    const startedAt = iso(now);
    const { expiresAt } = sessionDeadlines({ startedAt, absoluteExpiresAt }, now, policy);
    return {
      session: {
        id: sessionId,
        userId: request.userId,
        createdAt: startedAt,
        lastSeenAt: startedAt,
        expiresAt: iso(expiresAt),
        ...(ip ? { ip } : {}),
        ...(userAgent ? { userAgent } : {}),
        current: true,
      },
      token,
    };
  }

  /**
   * Who a secret belongs to, or null (unknown, ended, idle- or absolute-expired). A live session is touched
   * (coarse last-seen); an expired one is ended as `expired` on the way, once.
   */
  async verify(token: unknown): Promise<VerifyResult> {
    if (!isPlausibleSecret(token)) return null;
    const { sessions, activity, clock, policy } = this.deps;
    const doc = await sessions.get(credentialHash(token));
    if (!doc) return null;
    const now = clock.now().getTime();
    const lastSeen = await activity.lastSeen(doc.sessionId);
    const deadlines = sessionDeadlines(doc, lastSeen, policy);
    if (isExpiredAt(deadlines, now)) {
      await this.expire(doc, deadlines.idleExpiresAt, now);
      return null;
    }
    const seen = await activity.touch(doc.sessionId, now, lastSeen);
    return {
      kind: 'session',
      sessionId: doc.sessionId,
      userId: doc.userId,
      expiresAt: iso(sessionDeadlines(doc, seen, policy).expiresAt),
      ...(doc.impersonatorId
        ? { impersonatorId: doc.impersonatorId, impersonationReason: doc.impersonationReason ?? '' }
        : {}),
      ...(doc.twoFactorPending ? { twoFactorPending: true as const } : {}),
    };
  }

  /**
   * The second factor was accepted (the gateway asked identity first): the session becomes a full one. Its secret
   * does not change. `SessionNotFound` for an unknown, ended or someone else's session.
   */
  async completeTwoFactor(request: CompleteTwoFactorRequest): Promise<CompleteTwoFactorResult> {
    const now = this.deps.clock.now().getTime();
    const { events } = await this.execute(request.sessionId, {
      type: 'CompleteTwoFactor',
      data: { now: iso(now), ownerId: request.userId },
      metadata: metadataOf(request.meta),
    });
    await this.deps.runner.catchUp();
    const [session] = (
      await this.list({ userId: request.userId, currentSessionId: request.sessionId })
    ).filter((s) => s.id === request.sessionId);
    if (!session) throw new SessionNotFound();
    return { session, completed: events.length > 0 };
  }

  /**
   * A site admin starts a session as another user (TFC-API §10). The gateway has asked identity that the caller is
   * an active site admin and the target a live user; here: a reason, not oneself, and the admin's session live,
   * theirs, and not an impersonation itself (never while already impersonating).
   */
  async startImpersonation(request: StartImpersonationRequest): Promise<StartSessionResult> {
    const reason = request.reason.trim();
    if (!reason) throw new ImpersonationReasonRequired();
    if (request.userId === request.adminUserId)
      throw new ImpersonationForbidden('You cannot impersonate yourself');
    const admin = await this.liveSession(request.adminSessionId);
    if (!admin || admin.userId !== request.adminUserId) throw new SessionNotFound();
    if (admin.impersonatorId) throw new ImpersonationForbidden('You are already impersonating a user');
    return this.start(
      { userId: request.userId, userAgent: request.userAgent, meta: request.meta },
      { impersonatorId: request.adminUserId, reason, returnToSessionId: request.adminSessionId },
    );
  }

  /**
   * Ends an impersonation session and returns to the admin: their session is replaced by a fresh one (its secret
   * was the cookie the impersonation took the place of, and only its hash is kept), or `restored: null` when it
   * ended or expired meanwhile.
   */
  async endImpersonation(request: EndImpersonationRequest): Promise<EndImpersonationResult> {
    const [doc] = await this.deps.sessions.find({ where: { sessionId: request.sessionId }, limit: 1 });
    if (!doc || doc.userId !== request.userId || !doc.impersonatorId) throw new NotImpersonating();
    const impersonatorId = doc.impersonatorId;
    await this.end({ userId: doc.userId, sessionId: doc.sessionId, reason: 'logout', meta: request.meta });
    const admin = doc.returnToSessionId ? await this.liveSession(doc.returnToSessionId) : undefined;
    if (!admin || admin.userId !== impersonatorId) return { restored: null, impersonatorId };
    const meta: RequestMeta = { ...request.meta, actor: { kind: 'user', id: impersonatorId } };
    const restored = await this.start({ userId: impersonatorId, userAgent: request.userAgent, meta });
    await this.end({ userId: impersonatorId, sessionId: admin.sessionId, reason: 'revoked', meta });
    return { restored, impersonatorId };
  }

  /** Ends every impersonation session a user started (their suspension, deletion or lost admin flag). */
  async endImpersonationsBy(
    impersonatorId: string,
    options: Omit<EndAllOptions, 'exceptSessionId'>,
  ): Promise<number> {
    const { runner, sessions, clock } = this.deps;
    await runner.catchUp();
    const docs = await sessions.find({ where: { impersonatorId } });
    let count = 0;
    for (const doc of docs) {
      const { events } = await this.execute(doc.sessionId, {
        type: 'EndSession',
        data: { reason: options.reason, now: iso(clock.now().getTime()), ownerId: doc.userId },
        metadata: options.metadata ?? {},
      });
      if (events.length) count++;
    }
    if (docs.length) await runner.catchUp();
    return count;
  }

  /** The session's document when it is live now (not ended, not idle- or absolute-expired). */
  private async liveSession(sessionId: string): Promise<SessionDocument | undefined> {
    const { sessions, activity, clock, policy } = this.deps;
    const [doc] = await sessions.find({ where: { sessionId }, limit: 1 });
    if (!doc) return undefined;
    const deadlines = sessionDeadlines(doc, await activity.lastSeen(doc.sessionId), policy);
    return isExpiredAt(deadlines, clock.now().getTime()) ? undefined : doc;
  }

  /** The user's live sessions, newest first. */
  async list(request: Pick<ListSessionsRequest, 'userId' | 'currentSessionId'>): Promise<SessionView[]> {
    const { sessions, activity, clock, policy } = this.deps;
    const docs = await sessions.find({ where: { userId: request.userId }, sort: [['startedAt', 'desc']] });
    const seen = await activity.lastSeenOf(docs.map((d) => d.sessionId));
    const now = clock.now().getTime();
    return docs.flatMap((doc) => {
      const lastSeen = Math.max(seen.get(doc.sessionId)!, Date.parse(doc.startedAt));
      const deadlines = sessionDeadlines(doc, lastSeen, policy);
      if (isExpiredAt(deadlines, now)) return [];
      return [
        {
          id: doc.sessionId,
          userId: doc.userId,
          createdAt: doc.startedAt,
          lastSeenAt: iso(lastSeen),
          expiresAt: iso(deadlines.expiresAt),
          ...(doc.ip ? { ip: doc.ip } : {}),
          ...(doc.userAgent ? { userAgent: doc.userAgent } : {}),
          ...(request.currentSessionId === doc.sessionId ? { current: true } : {}),
          ...(doc.impersonatorId
            ? { impersonatorId: doc.impersonatorId, impersonationReason: doc.impersonationReason ?? '' }
            : {}),
        } satisfies SessionView,
      ];
    });
  }

  /**
   * Ends one of the user's own sessions. Throws `SessionNotFound` for an unknown id or someone else's session;
   * resolves false when it had already ended.
   */
  async end(
    request: Pick<EndSessionRequest, 'userId' | 'sessionId'> & {
      reason?: 'logout' | 'revoked';
      meta?: RequestMeta;
    },
  ): Promise<boolean> {
    const now = this.deps.clock.now().getTime();
    const { events } = await this.execute(request.sessionId, {
      type: 'EndSession',
      data: { reason: request.reason ?? 'logout', now: iso(now), ownerId: request.userId },
      metadata: metadataOf(request.meta),
    });
    await this.afterEnd(request.sessionId, now);
    return events.length > 0;
  }

  /** Ends every session of a user (identity events, "log out everywhere"). Returns how many it ended. */
  async endAll(userId: string, options: EndAllOptions): Promise<number> {
    const { runner, sessions, clock } = this.deps;
    // A session appended but not yet projected has not been handed out yet (start waits for the projection);
    // catching up first still narrows the window to sessions started concurrently with this call.
    await runner.catchUp();
    const cutoff = options.startedAtOrBefore ? Date.parse(options.startedAtOrBefore) : Infinity;
    const docs = (await sessions.find({ where: { userId } })).filter(
      (doc) => doc.sessionId !== options.exceptSessionId && Date.parse(doc.startedAt) <= cutoff,
    );
    let count = 0;
    for (const doc of docs) {
      const now = clock.now().getTime();
      const { events } = await this.execute(doc.sessionId, {
        type: 'EndSession',
        data: { reason: options.reason, now: iso(now), ownerId: userId },
        metadata: options.metadata ?? {},
      });
      if (events.length) count++;
    }
    await runner.catchUp();
    const now = clock.now().getTime();
    for (const doc of docs) await this.deps.activity.forget(doc.sessionId, now);
    return count;
  }

  async endAllRequested(request: EndAllSessionsRequest): Promise<number> {
    return this.endAll(request.userId, {
      reason: 'revoked',
      exceptSessionId: request.exceptSessionId,
      metadata: metadataOf(request.meta),
    });
  }

  private async expire(doc: SessionDocument, idleExpiresAt: number, now: number): Promise<void> {
    try {
      await this.execute(doc.sessionId, {
        type: 'ExpireSession',
        data: { now: iso(now), idleExpiresAt: iso(idleExpiresAt) },
        metadata: { actor: { kind: 'system', id: 'token' } },
      });
      await this.afterEnd(doc.sessionId, now);
    } catch (err) {
      // The answer (null) stands either way; the next verification tries again.
      this.deps.warn?.('could not record a session expiry', {
        sessionId: doc.sessionId,
        error: (err as Error).message,
      });
    }
  }

  private async afterEnd(sessionId: string, now: number): Promise<void> {
    // Projection first: once the session is gone from `sessions`, no verification can touch it again.
    await this.deps.runner.catchUp();
    await this.deps.activity.forget(sessionId, now);
  }

  private execute(sessionId: string, command: SessionCommand & { metadata?: EventMetadata }) {
    return handleCommand(this.deps.events, sessionStream(sessionId), sessionDecider, command);
  }
}
