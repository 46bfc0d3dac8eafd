import { type Decider, DomainError } from '@idp/eventing';

/**
 * One browser session (stream `session-<sessionId>`). The secret never enters these events, only its SHA-256
 * (`tokenHash`); time arrives in the command (`now`, ISO 8601) and the session id and hash are made before
 * `decide` (randomness is I/O). Last-seen is deliberately NOT an event (see libs/token/README.md): the idle
 * deadline is judged by the caller and arrives as a fact when a session is ended as expired.
 */

export type SessionEndReason =
  'logout' | 'revoked' | 'password-reset' | 'account-suspended' | 'account-deleted' | 'expired';

/**
 * A session a site admin started as another user (TFC-API §10): who, why, and the admin's own session the
 * impersonation returns to. Every request made with it carries the impersonator and the reason in `meta.actor`.
 */
export interface SessionImpersonation {
  impersonatorId: string;
  reason: string;
  returnToSessionId: string;
}

export type SessionEvent =
  | {
      type: 'SessionStarted';
      data: {
        sessionId: string;
        userId: string;
        tokenHash: string;
        startedAt: string;
        absoluteExpiresAt: string;
        ip?: string;
        userAgent?: string;
        /** Set on an impersonation session (absent in older events and on ordinary logins). */
        impersonation?: SessionImpersonation;
        /**
         * A password login of an account with two-factor authentication: the session can do nothing but complete
         * the second factor until `SessionTwoFactorCompleted` (absent: a complete session).
         */
        twoFactorPending?: true;
      };
    }
  | {
      type: 'SessionEnded';
      data: { sessionId: string; userId: string; reason: SessionEndReason; endedAt: string };
    }
  | { type: 'SessionTwoFactorCompleted'; data: { sessionId: string; userId: string; completedAt: string } };

export type SessionCommand =
  | {
      type: 'StartSession';
      data: {
        sessionId: string;
        userId: string;
        tokenHash: string;
        now: string;
        absoluteExpiresAt: string;
        ip?: string;
        userAgent?: string;
        impersonation?: SessionImpersonation;
        twoFactorPending?: true;
      };
    }
  | {
      /** The identity service accepted the second factor: the session becomes a full one. */
      type: 'CompleteTwoFactor';
      data: { now: string; ownerId: string };
    }
  | {
      type: 'EndSession';
      data: {
        reason: Exclude<SessionEndReason, 'expired'>;
        now: string;
        /** Who asks: a user may end only their own sessions; anything else looks like no session at all. */
        ownerId: string;
      };
    }
  | {
      type: 'ExpireSession';
      /** `idleExpiresAt`: the idle deadline the caller computed from last-seen (not in the events). */
      data: { now: string; idleExpiresAt: string };
    };

export type SessionState =
  | { status: 'none' }
  | {
      status: 'live' | 'ended';
      sessionId: string;
      userId: string;
      absoluteExpiresAt: string;
      impersonation?: SessionImpersonation;
      twoFactorPending?: true;
    };

/** No such session, or not the caller's: the same answer, so ids cannot be probed. */
export class SessionNotFound extends DomainError {
  constructor() {
    super('SESSION.NOT_FOUND', 'session not found');
  }
}
export class SessionAlreadyExists extends DomainError {
  constructor() {
    super('SESSION.ALREADY_EXISTS', 'a session with this id already exists');
  }
}
export class InvalidSessionExpiry extends DomainError {
  constructor(message: string) {
    super('SESSION.INVALID_EXPIRY', message);
  }
}
/** Ending a session as expired before its deadline would be a logout under a false reason. */
export class SessionNotExpired extends DomainError {
  constructor() {
    super('SESSION.NOT_EXPIRED', 'session has not expired');
  }
}

/** TFC-API §10: 403 for impersonating oneself, or while already impersonating. */
export class ImpersonationForbidden extends DomainError {
  constructor(message: string) {
    super('IMPERSONATION.FORBIDDEN', message);
  }
}
/** TFC-API §10: 400 without a reason for the audit log. */
export class ImpersonationReasonRequired extends DomainError {
  constructor() {
    super('IMPERSONATION.REASON_REQUIRED', 'A reason is required to impersonate a user', {
      attribute: 'reason',
    });
  }
}

/** TFC-API §10: 400 for unimpersonating with a session that is no impersonation. */
export class NotImpersonating extends DomainError {
  constructor() {
    super('IMPERSONATION.NOT_IMPERSONATING', 'You are not impersonating a user');
  }
}

export const initialState = (): SessionState => ({ status: 'none' });

export const evolve = (state: SessionState, event: SessionEvent): SessionState => {
  switch (event.type) {
    case 'SessionStarted': {
      const { sessionId, userId, absoluteExpiresAt, impersonation, twoFactorPending } = event.data;
      return {
        status: 'live',
        sessionId,
        userId,
        absoluteExpiresAt,
        ...(impersonation && { impersonation }),
        ...(twoFactorPending && { twoFactorPending }),
      };
    }
    case 'SessionTwoFactorCompleted': {
      if (state.status === 'none') return state;
      const { twoFactorPending: _completed, ...rest } = state;
      return rest;
    }
    case 'SessionEnded':
      return state.status === 'none' ? state : { ...state, status: 'ended' };
    default:
      return state;
  }
};

const ended = (
  state: Extract<SessionState, { status: 'live' | 'ended' }>,
  reason: SessionEndReason,
  now: string,
): SessionEvent[] => [
  { type: 'SessionEnded', data: { sessionId: state.sessionId, userId: state.userId, reason, endedAt: now } },
];

export const decide = (command: SessionCommand, state: SessionState): SessionEvent[] => {
  switch (command.type) {
    case 'StartSession': {
      if (state.status !== 'none') throw new SessionAlreadyExists();
      const { now, ...data } = command.data;
      if (!(Date.parse(data.absoluteExpiresAt) > Date.parse(now)))
        throw new InvalidSessionExpiry('a session must expire after it starts');
      if (data.impersonation && data.impersonation.impersonatorId === data.userId)
        throw new ImpersonationForbidden('You cannot impersonate yourself');
      if (data.impersonation && !data.impersonation.reason.trim()) throw new ImpersonationReasonRequired();
      return [{ type: 'SessionStarted', data: { ...data, startedAt: now } }];
    }
    case 'CompleteTwoFactor': {
      // An ended session cannot be revived by its second factor; completing twice changes nothing.
      if (state.status !== 'live' || state.userId !== command.data.ownerId) throw new SessionNotFound();
      if (!state.twoFactorPending) return [];
      return [
        {
          type: 'SessionTwoFactorCompleted',
          data: { sessionId: state.sessionId, userId: state.userId, completedAt: command.data.now },
        },
      ];
    }
    case 'EndSession': {
      if (state.status === 'none' || state.userId !== command.data.ownerId) throw new SessionNotFound();
      if (state.status === 'ended') return []; // logging out twice is not an error, and changes nothing
      return ended(state, command.data.reason, command.data.now);
    }
    case 'ExpireSession': {
      if (state.status === 'none') throw new SessionNotFound();
      if (state.status === 'ended') return [];
      const { now, idleExpiresAt } = command.data;
      const deadline = Math.min(Date.parse(idleExpiresAt), Date.parse(state.absoluteExpiresAt));
      if (Date.parse(now) < deadline) throw new SessionNotExpired();
      return ended(state, 'expired', now);
    }
  }
};

export const sessionDecider: Decider<SessionCommand, SessionEvent, SessionState> = {
  initialState,
  evolve,
  decide,
};

export const sessionStream = (sessionId: string): string => `session-${sessionId}`;
