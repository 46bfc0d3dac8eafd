import type { Decider } from '@idp/eventing';

/**
 * Whether a user's API tokens may be used (stream `token-owner-<userId>`). TFC keeps a suspended user's tokens and
 * lets them work again after unsuspension (unless expired), so suspension is a per-user flag the verification index
 * consults, not a revocation. Recorded in this service's own store (not only a read model) so it survives restarts
 * and projection rebuilds in every mode.
 */
export type TokenOwnerEvent =
  | { type: 'UserTokensSuspended'; data: { userId: string } }
  | { type: 'UserTokensUnsuspended'; data: { userId: string } };

export type TokenOwnerCommand =
  | { type: 'SuspendUserTokens'; data: { userId: string } }
  | { type: 'UnsuspendUserTokens'; data: { userId: string } };

export interface TokenOwnerState {
  suspended: boolean;
}

export const tokenOwnerDecider: Decider<TokenOwnerCommand, TokenOwnerEvent, TokenOwnerState> = {
  initialState: () => ({ suspended: false }),
  evolve: (state, event) => {
    switch (event.type) {
      case 'UserTokensSuspended':
        return { suspended: true };
      case 'UserTokensUnsuspended':
        return { suspended: false };
      default:
        return state;
    }
  },
  // Both are idempotent: a redelivered identity event, or one arriving twice, changes nothing.
  decide: (command, state) => {
    switch (command.type) {
      case 'SuspendUserTokens':
        return state.suspended
          ? []
          : [{ type: 'UserTokensSuspended', data: { userId: command.data.userId } }];
      case 'UnsuspendUserTokens':
        return state.suspended
          ? [{ type: 'UserTokensUnsuspended', data: { userId: command.data.userId } }]
          : [];
    }
  },
};

export const tokenOwnerStream = (userId: string): string => `token-owner-${userId}`;
