import type { IdentityIntegrationEvent } from '@idp/contracts';
import {
  type Decider,
  type EventMetadata,
  type EventStore,
  fold,
  handleCommand,
  type RecordedEvent,
} from '@idp/eventing';

/**
 * What the membership service knows of an account, learned from `identity.events`. Services never read each
 * other's stores, so the facts membership decisions need (a user's username for `invitedBy` and team membership
 * by username, the confirmed e-mail that must match an invitation, 2FA of owners and of members of organizations
 * that require it) are recorded here.
 *
 * They are recorded as this service's OWN events (stream `user-mirror-<userId>`), not written straight into a read
 * model: then every read model (users, and the usernames denormalised into memberships for `q`) is projected from
 * one ordered source, position-guarded and rebuildable by replay like any other, and write paths can fold a user's
 * short stream for a strongly consistent answer. Recording is idempotent by identity's own stream revision: per-user
 * order holds on the bus (keyed by stream), so an event at or below the recorded revision is a redelivery and
 * records nothing.
 */
export interface MirroredUser {
  userId: string;
  username: string;
  email: string;
  emailConfirmed: boolean;
  /** Whether the account has 2FA enabled (`TwoFactorEnabled` / `TwoFactorDisabled`). */
  twoFactor: boolean;
  registeredAt: string;
}

export type UserMirrorEvent =
  | {
      type: 'UserMirrored';
      data: MirroredUser & { identityEventId: string; identityRevision: number; cause: string };
    }
  | { type: 'UserForgotten'; data: { userId: string; identityEventId: string; identityRevision: number } };

export interface UserMirrorState {
  /** Identity stream revision of the last recorded event (-1: none). */
  revision: number;
  user: MirroredUser | undefined;
  forgotten: boolean;
}

type ObserveIdentityEvent = {
  type: 'ObserveIdentityEvent';
  data: { event: IdentityIntegrationEvent; identityEventId: string; identityRevision: number };
  metadata?: EventMetadata;
};

/** The identity event types the mirror records. */
export const MIRRORED_IDENTITY_EVENTS: ReadonlySet<string> = new Set<IdentityIntegrationEvent['type']>([
  'AccountRegistered',
  'UsernameChanged',
  'EmailChanged',
  'EmailConfirmed',
  'TwoFactorEnabled',
  'TwoFactorDisabled',
  'AccountDeleted',
]);

export const userMirrorStream = (userId: string): string => `user-mirror-${userId}`;

const sameEmail = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/** The user after an identity event, or undefined when the event changes nothing the mirror keeps. */
const next = (user: MirroredUser | undefined, event: IdentityIntegrationEvent): MirroredUser | undefined => {
  switch (event.type) {
    case 'AccountRegistered': {
      const { userId, username, email, emailConfirmed, registeredAt } = event.data;
      return user ?? { userId, username, email, emailConfirmed, twoFactor: false, registeredAt };
    }
    case 'UsernameChanged':
      return user && user.username !== event.data.to ? { ...user, username: event.data.to } : undefined;
    case 'EmailChanged':
      // Identity emits it when the new address is confirmed (ConfirmEmail of a pending change).
      return user ? { ...user, email: event.data.to, emailConfirmed: true } : undefined;
    case 'EmailConfirmed':
      return user && !user.emailConfirmed && sameEmail(user.email, event.data.email)
        ? { ...user, emailConfirmed: true }
        : undefined;
    case 'TwoFactorEnabled':
      return user && !user.twoFactor ? { ...user, twoFactor: true } : undefined;
    case 'TwoFactorDisabled':
      return user?.twoFactor ? { ...user, twoFactor: false } : undefined;
    default:
      return undefined;
  }
};

export const userMirrorDecider: Decider<ObserveIdentityEvent, UserMirrorEvent, UserMirrorState> = {
  initialState: () => ({ revision: -1, user: undefined, forgotten: false }),
  evolve: (_state, event) => {
    switch (event.type) {
      case 'UserMirrored': {
        const { identityEventId: _id, identityRevision, cause: _cause, ...user } = event.data;
        return { revision: identityRevision, user, forgotten: false };
      }
      case 'UserForgotten':
        return { revision: event.data.identityRevision, user: undefined, forgotten: true };
    }
  },
  decide: (command, state) => {
    const { event, identityEventId, identityRevision } = command.data;
    if (identityRevision <= state.revision || state.forgotten) return []; // a redelivery, or after deletion
    if (event.type === 'AccountDeleted')
      return [
        { type: 'UserForgotten', data: { userId: event.data.userId, identityEventId, identityRevision } },
      ];
    const user = next(state.user, event);
    if (!user) return [];
    return [
      { type: 'UserMirrored', data: { ...user, identityEventId, identityRevision, cause: event.type } },
    ];
  },
};

/** Records identity's events into the mirror streams, and reads a user back strongly consistently. */
export class UserMirror {
  constructor(private readonly events: EventStore) {}

  /** Records `event` if the mirror keeps it and has not yet recorded it. True when something was appended. */
  async observe(event: RecordedEvent, metadata: EventMetadata): Promise<boolean> {
    if (!MIRRORED_IDENTITY_EVENTS.has(event.type)) return false;
    const identity = { type: event.type, data: event.data } as IdentityIntegrationEvent;
    const userId = (identity.data as { userId?: unknown }).userId;
    if (typeof userId !== 'string' || !userId) return false;
    const result = await handleCommand(this.events, userMirrorStream(userId), userMirrorDecider, {
      type: 'ObserveIdentityEvent',
      data: { event: identity, identityEventId: event.id, identityRevision: event.revision },
      metadata,
    });
    return result.events.length > 0;
  }

  /** The user as recorded by now (folds the user's short stream), or undefined (unknown or deleted). */
  async get(userId: string): Promise<MirroredUser | undefined> {
    const events = (await this.events.readStream(userMirrorStream(userId))) as unknown as UserMirrorEvent[];
    return fold(userMirrorDecider, events).user;
  }
}
