import { z } from 'zod';
import { requestMetaSchema } from '../rpc';
import type { StartSessionResult } from './token.messages';

/**
 * Impersonation sessions (TFC-API §10), answered by the token service. The gateway asks identity first whether the
 * caller is a site admin and the target may be impersonated (`identity.admin-get-user`); the token service checks
 * the admin's session (live, the admin's, not itself an impersonation) and keeps the impersonator, the reason and the
 * admin's session on the new session, which `verify-credential` reports on every request.
 */
export const IMPERSONATION = {
  /** Starts a session as `userId` for the admin in `adminUserId`/`adminSessionId`: the secret is in this reply only. */
  start: 'token.start-impersonation',
  /**
   * Ends the impersonation session and returns to the admin: a fresh session for the admin replaces the session
   * the impersonation started from (its secret was the cookie the impersonation replaced). `restored: null` when
   * that session ended meanwhile (logged out, expired, the admin suspended).
   */
  end: 'token.end-impersonation',
} as const;

const text = (max: number) => z.string().max(max);

/** The reason is free text for the audit log, kept on the session and in every event's metadata. */
export const IMPERSONATION_REASON_MAX = 1000;

export const startImpersonationRequest = z.object({
  meta: requestMetaSchema,
  adminUserId: text(64).min(1),
  /** The admin's own session (a cookie or bearer session): where `end` returns to. */
  adminSessionId: text(64).min(1),
  /** The user to act as. */
  userId: text(64).min(1),
  reason: text(IMPERSONATION_REASON_MAX),
  userAgent: text(512).optional(),
});
export const endImpersonationRequest = z.object({
  meta: requestMetaSchema,
  /** The impersonated user (the session's owner) and the impersonation session. */
  userId: text(64).min(1),
  sessionId: text(64).min(1),
  userAgent: text(512).optional(),
});

export type StartImpersonationRequest = z.infer<typeof startImpersonationRequest>;
export type EndImpersonationRequest = z.infer<typeof endImpersonationRequest>;

export interface EndImpersonationResult {
  /** The admin's new session and its secret, or null when the admin's session ended meanwhile. */
  restored: StartSessionResult | null;
  /** The admin the impersonation returned to. */
  impersonatorId: string;
}

/**
 * Request and reply of the impersonation patterns. Refusals: `IMPERSONATION.FORBIDDEN` (403: already impersonating,
 * oneself), `IMPERSONATION.REASON_REQUIRED` (400), `IMPERSONATION.NOT_IMPERSONATING` (400: `end` on a session that
 * is no impersonation), `SESSION.NOT_FOUND` (the admin's session is not theirs or not live).
 */
export interface ImpersonationMessages {
  [IMPERSONATION.start]: { request: StartImpersonationRequest; reply: StartSessionResult };
  [IMPERSONATION.end]: { request: EndImpersonationRequest; reply: EndImpersonationResult };
}
