import type { SessionView, StartSessionResult } from '@idp/contracts';
import { resource, type ResourceObject } from '../jsonapi/resource';
import { toTimestamp } from '../jsonapi/timestamp';

/**
 * The `sessions` document of `POST /session` (TFC-API §15): the ONLY response that ever carries a secret
 * (`token`), once. `two-factor-required: true`: the session can do nothing but complete the second factor
 * (`POST /session/two-factor`, `…/two-factor-recovery`, `…/two-factor-send-sms`) or log out.
 */
export const createdSessionResource = (
  started: StartSessionResult,
  twoFactorRequired = false,
): ResourceObject<'sessions'> =>
  resource('sessions', started.session.id, {
    token: started.token,
    expiresAt: toTimestamp(started.session.expiresAt),
    twoFactorRequired,
    createdAt: toTimestamp(started.session.createdAt),
  });

/**
 * A live session in the owner's list: when, from where, until when. Never the secret. An impersonation session
 * (TFC-API §10) also shows `impersonator-id` and `impersonation-reason` (null for any other session), so the user's
 * list, and the impersonating admin's view of it, shows that impersonation is in progress.
 */
export const sessionResource = (session: SessionView): ResourceObject<'sessions'> =>
  resource('sessions', session.id, {
    createdAt: toTimestamp(session.createdAt),
    lastSeenAt: toTimestamp(session.lastSeenAt),
    expiresAt: toTimestamp(session.expiresAt),
    ip: session.ip ?? null,
    userAgent: session.userAgent ?? null,
    current: session.current === true,
    impersonatorId: session.impersonatorId ?? null,
    impersonationReason: session.impersonatorId ? (session.impersonationReason ?? '') : null,
  });
