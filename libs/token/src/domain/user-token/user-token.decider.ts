import { type Decider, DomainError } from '@idp/eventing';

/**
 * One user API token (TFC `authentication-tokens`, stream `user-token-<tokenId>`). The secret never enters these
 * events, only its SHA-256 (`tokenHash`); time arrives in the command (`now`, ISO 8601) and the id and hash are made
 * before `decide` (randomness is I/O). Last use is deliberately NOT an event (see libs/token/README.md). Expiry
 * needs no event either: `expiredAt` is fixed at creation and judged at each verification.
 */

export type UserTokenRevokeReason = 'revoked' | 'account-deleted';

export type UserTokenEvent =
  | {
      type: 'UserTokenCreated';
      data: {
        tokenId: string;
        userId: string;
        description: string | null;
        /** ISO 8601, or null: never expires. */
        expiredAt: string | null;
        tokenHash: string;
        createdAt: string;
        /** The user who created it (today always the owner). */
        createdBy: string;
      };
    }
  | { type: 'UserTokenRevoked'; data: { tokenId: string; userId: string; reason: UserTokenRevokeReason } };

export type UserTokenCommand =
  | {
      type: 'CreateUserToken';
      data: {
        tokenId: string;
        userId: string;
        description: string | null;
        expiredAt: string | null;
        tokenHash: string;
        now: string;
        createdBy: string;
      };
    }
  | {
      type: 'RevokeUserToken';
      data: {
        /** Who asks: a user may revoke only their own tokens; anything else looks like no token at all. */
        ownerId: string;
        reason: UserTokenRevokeReason;
      };
    };

export type UserTokenState =
  { status: 'none' } | { status: 'live' | 'revoked'; tokenId: string; userId: string };

/** No such token, a revoked one, or not the caller's: one answer, so ids cannot be probed. */
export class UserTokenNotFound extends DomainError {
  constructor() {
    super('TOKEN.NOT_FOUND', 'token not found');
  }
}
export class UserTokenAlreadyExists extends DomainError {
  constructor() {
    super('TOKEN.ALREADY_EXISTS', 'a token with this id already exists');
  }
}
/** `expired-at` that is not an instant after now (a token dead at birth). */
export class InvalidUserTokenExpiry extends DomainError {
  constructor(message: string) {
    super('TOKEN.INVALID_EXPIRY', message, { attribute: 'expiredAt' });
  }
}

export const initialState = (): UserTokenState => ({ status: 'none' });

export const evolve = (state: UserTokenState, event: UserTokenEvent): UserTokenState => {
  switch (event.type) {
    case 'UserTokenCreated':
      return { status: 'live', tokenId: event.data.tokenId, userId: event.data.userId };
    case 'UserTokenRevoked':
      return state.status === 'none' ? state : { ...state, status: 'revoked' };
    default:
      return state;
  }
};

export const decide = (command: UserTokenCommand, state: UserTokenState): UserTokenEvent[] => {
  switch (command.type) {
    case 'CreateUserToken': {
      if (state.status !== 'none') throw new UserTokenAlreadyExists();
      const { now, ...data } = command.data;
      if (data.expiredAt !== null && !(Date.parse(data.expiredAt) > Date.parse(now)))
        throw new InvalidUserTokenExpiry('Expired at must be in the future');
      return [{ type: 'UserTokenCreated', data: { ...data, createdAt: now } }];
    }
    case 'RevokeUserToken': {
      if (state.status === 'none' || state.userId !== command.data.ownerId) throw new UserTokenNotFound();
      // A second DELETE is a 404 (as TFC answers); a system revocation (account deleted) is simply idempotent.
      if (state.status === 'revoked') {
        if (command.data.reason === 'revoked') throw new UserTokenNotFound();
        return [];
      }
      return [
        {
          type: 'UserTokenRevoked',
          data: { tokenId: state.tokenId, userId: state.userId, reason: command.data.reason },
        },
      ];
    }
  }
};

export const userTokenDecider: Decider<UserTokenCommand, UserTokenEvent, UserTokenState> = {
  initialState,
  evolve,
  decide,
};

export const userTokenStream = (tokenId: string): string => `user-token-${tokenId}`;
