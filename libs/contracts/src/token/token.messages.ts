import { z } from 'zod';
import { requestMetaSchema } from '../rpc';

/**
 * Request-reply patterns the token service answers (gateway → token). Browser sessions today; API tokens join the
 * same `verifyCredential` path later (one secret → SHA-256 → lookup, whatever the credential kind).
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
} as const;

export type TokenPattern = (typeof TOKEN)[keyof typeof TOKEN];

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

export type StartSessionRequest = z.infer<typeof startSessionRequest>;
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
}

export interface StartSessionResult {
  session: SessionView;
  /** The secret (cookie value / bearer token). Returned once; only its SHA-256 is kept. */
  token: string;
}

/** What a credential proves. `null` for an unknown, ended or expired one: the gateway answers 401. */
export type VerifyResult = {
  kind: 'session';
  sessionId: string;
  userId: string;
  /** Until when this answer may be cached (the earlier of the idle and the absolute deadline). */
  expiresAt: string;
} | null;

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
