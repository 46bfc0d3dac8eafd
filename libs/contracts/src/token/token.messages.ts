import { z } from 'zod';
import { requestMetaSchema } from '../rpc';
import type { OrganizationTokenCredential } from './organization-token.messages';
import type { TeamTokenCredential } from './team-token.messages';

/**
 * Request-reply patterns the token service answers (gateway → token). Browser sessions, user and organization API
 * tokens share one `verifyCredential` path (one secret → SHA-256 → lookup, whatever the credential kind).
 */
export const TOKEN = {
  /** After a successful login: returns the session and its secret (the only time the secret is ever sent). */
  startSession: 'token.start-session',
  /** Every authenticated request (behind the gateway's cache): the secret → who it is, or null (→ 401). */
  verifyCredential: 'token.verify-credential',
  /** Logout, or ending one of one's own other sessions. */
  endSession: 'token.end-session',
  /** The caller's live sessions. */
  listSessions: 'token.list-sessions',
  /** Every session of the caller ("log out everywhere"), optionally keeping the current one. */
  endAllSessions: 'token.end-all-sessions',
  /**
   * A session started with `twoFactorPending` becomes a full one, after identity accepted the second factor
   * (`userId`, `sessionId`: the caller's own session, else `SESSION.NOT_FOUND`). Reply `CompleteTwoFactorResult`.
   */
  completeTwoFactor: 'token.complete-two-factor',
} as const;

export type TokenPattern = (typeof TOKEN)[keyof typeof TOKEN];

/**
 * User API tokens (TFC `authentication-tokens`, TFC-API §4), also answered by the token service. A separate object
 * from `TOKEN` so that consumers typing every `TOKEN` pattern (the gateway's `ServiceMessages`) opt in explicitly
 * (`UserTokenMessages`); the token service subscribes both.
 */
export const USER_TOKEN = {
  /** A user API token (TFC `authentication-tokens`) for the caller: the secret is in this reply only. */
  createUserToken: 'token.create-user-token',
  /** The caller's user API tokens (never a secret), newest first; expired ones included, revoked ones not. */
  listUserTokens: 'token.list-user-tokens',
  /** One of the caller's user API tokens; `TOKEN.NOT_FOUND` for an unknown, revoked or someone else's. */
  getUserToken: 'token.get-user-token',
  /** Revokes one of the caller's user API tokens; `TOKEN.NOT_FOUND` as for `getUserToken`. */
  revokeUserToken: 'token.revoke-user-token',
} as const;

export type UserTokenPattern = (typeof USER_TOKEN)[keyof typeof USER_TOKEN];

const text = (max: number) => z.string().max(max);
/** Secrets are 43 characters today (256-bit base64url); API tokens are ~90. The bound only keeps junk off the bus. */
const secret = text(512);

export const startSessionRequest = z.object({
  meta: requestMetaSchema,
  /** The user the identity service just authenticated. */
  userId: text(64).min(1),
  /** Shown in the session list; truncated, never trusted. `meta.ip` is the client address. */
  userAgent: text(512).optional(),
  /**
   * Idempotency key the gateway picks per login (never a client-supplied value): a redelivered request (the bus
   * is at-least-once) then fails with `SESSION.ALREADY_EXISTS` instead of starting a second, orphan session.
   */
  requestId: text(200).min(1).optional(),
  /**
   * A password login of an account with two-factor authentication: the session proves only the password, and the
   * gateway lets it do nothing but complete the second factor (`completeTwoFactor`) or log out.
   */
  twoFactorPending: z.literal(true).optional(),
});
export const completeTwoFactorRequest = z.object({
  meta: requestMetaSchema,
  userId: text(64).min(1),
  sessionId: text(64).min(1),
});
export const verifyCredentialRequest = z.object({ meta: requestMetaSchema, token: secret });
export const endSessionRequest = z.object({
  meta: requestMetaSchema,
  /** Whose session: only the owner may end it (anything else is `SESSION.NOT_FOUND`). */
  userId: text(64).min(1),
  sessionId: text(64).min(1),
  /** `logout` (default): the caller's current session; `revoked`: another of the caller's sessions. */
  reason: z.enum(['logout', 'revoked']).optional(),
});
export const listSessionsRequest = z.object({
  meta: requestMetaSchema,
  userId: text(64).min(1),
  /** The session the request came in with, flagged `current` in the result. */
  currentSessionId: text(64).optional(),
});
export const endAllSessionsRequest = z.object({
  meta: requestMetaSchema,
  userId: text(64).min(1),
  /** Keep this one (the caller's current session); end every other. */
  exceptSessionId: text(64).optional(),
});

/** User API tokens: descriptions are free text, bounded; `expiredAt` is ISO 8601 (null or absent: never). */
export const USER_TOKEN_DESCRIPTION_MAX = 256;

export const createUserTokenRequest = z.object({
  meta: requestMetaSchema,
  /** Whose token (the caller: the gateway only creates tokens for the authenticated user). */
  userId: text(64).min(1),
  description: text(USER_TOKEN_DESCRIPTION_MAX).nullable().optional(),
  /** ISO 8601 instant after now, or null/absent for a token that never expires. */
  expiredAt: text(64).nullable().optional(),
  /** Idempotency key chosen by the gateway per request: a redelivered create is `TOKEN.ALREADY_EXISTS`. */
  requestId: text(200).min(1).optional(),
});
export const listUserTokensRequest = z.object({ meta: requestMetaSchema, userId: text(64).min(1) });
export const userTokenRequest = z.object({
  meta: requestMetaSchema,
  /** The caller: anything but the owner gets `TOKEN.NOT_FOUND`. */
  userId: text(64).min(1),
  tokenId: text(64).min(1),
});

export type StartSessionRequest = z.infer<typeof startSessionRequest>;
export type CompleteTwoFactorRequest = z.infer<typeof completeTwoFactorRequest>;
export type CreateUserTokenRequest = z.infer<typeof createUserTokenRequest>;
export type ListUserTokensRequest = z.infer<typeof listUserTokensRequest>;
export type UserTokenRequest = z.infer<typeof userTokenRequest>;
export type VerifyCredentialRequest = z.infer<typeof verifyCredentialRequest>;
export type EndSessionRequest = z.infer<typeof endSessionRequest>;
export type ListSessionsRequest = z.infer<typeof listSessionsRequest>;
export type EndAllSessionsRequest = z.infer<typeof endAllSessionsRequest>;

/** A live browser session as its owner sees it. Times are ISO 8601. Never the secret. */
export interface SessionView {
  id: string;
  userId: string;
  createdAt: string;
  /** Coarse: refreshed at most once a minute (see libs/token/README.md). */
  lastSeenAt: string;
  /** The earlier of the idle deadline (`lastSeenAt` + idle timeout) and the absolute one. */
  expiresAt: string;
  ip?: string;
  userAgent?: string;
  /** True for the session named as current in the request. */
  current?: boolean;
  /** An impersonation session (TFC-API §10): the site admin acting as this user, and why. */
  impersonatorId?: string;
  impersonationReason?: string;
}

export interface StartSessionResult {
  session: SessionView;
  /** The secret (cookie value / bearer token). Returned once; only its SHA-256 is kept. */
  token: string;
}

/** What a browser session proves. */
export interface SessionCredential {
  kind: 'session';
  sessionId: string;
  userId: string;
  /** Until when this answer may be cached (the earlier of the idle and the absolute deadline). */
  expiresAt: string;
  /** An impersonation session (TFC-API §10): the site admin acting as `userId`, and their reason. */
  impersonatorId?: string;
  impersonationReason?: string;
  /**
   * A password login still owing its second factor: the gateway allows it only the two-factor session routes and
   * logout (absent: a complete session).
   */
  twoFactorPending?: true;
}

/** What a user API token proves. */
export interface UserTokenCredential {
  kind: 'user-token';
  tokenId: string;
  userId: string;
  /** The token's `expired-at`, or null when it never expires. */
  expiresAt: string | null;
  /** When it was created: with `expiresAt`, its lifetime, which organizations' `user` TTL policies bound (§5.4). */
  createdAt: string;
}

/**
 * What a credential proves. `null` for an unknown, ended, revoked or expired one, or a user token of a suspended
 * user: the gateway answers 401. User and organization tokens share one secret shape (`<14>.atlasv1.<67>`).
 */
export type VerifyResult =
  SessionCredential | UserTokenCredential | OrganizationTokenCredential | TeamTokenCredential | null;

/** A user API token as its owner sees it (TFC-API §4). Times are ISO 8601. Never the secret. */
export interface UserTokenView {
  /** `at-` and 16 base58 characters. */
  id: string;
  userId: string;
  description: string | null;
  createdAt: string;
  /** Coarse: recorded at most once a minute; null when never used. */
  lastUsedAt: string | null;
  /** When it stops working; null: never. */
  expiredAt: string | null;
  /** The user who created it. */
  createdBy: string;
}

export interface CreateUserTokenResult {
  token: UserTokenView;
  /** `<14 alnum>.atlasv1.<67 url-safe>`: returned once; only its SHA-256 is kept. */
  secret: string;
}

export interface ListUserTokensResult {
  tokens: UserTokenView[];
}

export interface RevokeUserTokenResult {
  revoked: true;
}

/** Request and reply of the user-token patterns (for the gateway's `ServiceMessages`). */
export interface UserTokenMessages {
  [USER_TOKEN.createUserToken]: { request: CreateUserTokenRequest; reply: CreateUserTokenResult };
  [USER_TOKEN.listUserTokens]: { request: ListUserTokensRequest; reply: ListUserTokensResult };
  [USER_TOKEN.getUserToken]: { request: UserTokenRequest; reply: UserTokenView };
  [USER_TOKEN.revokeUserToken]: { request: UserTokenRequest; reply: RevokeUserTokenResult };
}

export interface CompleteTwoFactorResult {
  /** The session, now complete (its secret is unchanged: the client keeps its cookie or token). */
  session: SessionView;
  /** False when it was already complete. */
  completed: boolean;
}

export interface EndSessionResult {
  /** False when the session had already ended (idempotent logout). */
  ended: boolean;
}

export interface ListSessionsResult {
  sessions: SessionView[];
}

export interface EndAllSessionsResult {
  /** How many sessions this call ended. */
  ended: number;
}
