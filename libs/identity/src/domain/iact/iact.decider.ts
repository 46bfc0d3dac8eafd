import { type Command, type Decider, DomainError } from '@idp/eventing';

/**
 * The initial admin creation token (IACT, TFC-API §10): the one way to create the first site admin of a fresh
 * installation. One stream, `iact`. The token itself never enters an event in clear: its SHA-256 to check it, and
 * the token sealed with the platform key so that `identity.retrieve-iact` can hand it out again (loopback only).
 *
 * Life cycle: `none` → `issued` (at first start) → `used` (the first admin was created with it: single use).
 * A `used` token whose admin never came into existence (the registration failed after the token was consumed) is
 * reopened by the caller that consumed it, or reissued at the next start (`adminExists: false`), so a failure
 * between the two appends can never leave an installation without any way to create its first admin.
 */

export type IactEvent =
  | { type: 'InitialAdminTokenIssued'; data: { tokenHash: string; sealedToken: string; issuedAt: string } }
  | { type: 'InitialAdminTokenConsumed'; data: { userId: string; consumedAt: string } }
  | { type: 'InitialAdminTokenReopened'; data: { userId: string; reopenedAt: string } };

export type IactCommand = (
  | {
      type: 'IssueInitialAdminToken';
      /** `adminExists`: whether the account that consumed the token (if any) exists and is a site admin. */
      data: { tokenHash: string; sealedToken: string; adminExists: boolean; now: string };
    }
  | { type: 'ConsumeInitialAdminToken'; data: { tokenHash: string; userId: string; now: string } }
  | { type: 'ReopenInitialAdminToken'; data: { userId: string; now: string } }
) &
  Pick<Command, 'metadata'>;

export type IactState =
  | { status: 'none' }
  | { status: 'issued'; tokenHash: string; sealedToken: string }
  | { status: 'used'; tokenHash: string; sealedToken: string; userId: string };

/** Unknown, wrong or already used token: one error for all, nothing to learn from it. */
export class InvalidInitialAdminToken extends DomainError {
  constructor() {
    super('IACT.INVALID', 'The initial admin creation token is invalid or has already been used', {
      attribute: 'token',
    });
  }
}

/** `retrieve-iact` after the initial admin exists (or before the token was issued). */
export class InitialAdminTokenNotAvailable extends DomainError {
  constructor() {
    super('IACT.NOT_FOUND', 'not found');
  }
}

export const iactStream = 'iact';

export const iactDecider: Decider<IactCommand, IactEvent, IactState> = {
  initialState: () => ({ status: 'none' }),
  evolve: (state, event) => {
    switch (event.type) {
      case 'InitialAdminTokenIssued':
        return { status: 'issued', tokenHash: event.data.tokenHash, sealedToken: event.data.sealedToken };
      case 'InitialAdminTokenConsumed':
        return state.status === 'none' ? state : { ...state, status: 'used', userId: event.data.userId };
      case 'InitialAdminTokenReopened':
        return state.status === 'used'
          ? { status: 'issued', tokenHash: state.tokenHash, sealedToken: state.sealedToken }
          : state;
    }
  },
  decide: (command, state) => {
    switch (command.type) {
      case 'IssueInitialAdminToken': {
        const { tokenHash, sealedToken, adminExists, now } = command.data;
        if (state.status === 'issued') return [];
        if (state.status === 'used' && adminExists) return [];
        return [{ type: 'InitialAdminTokenIssued', data: { tokenHash, sealedToken, issuedAt: now } }];
      }
      case 'ConsumeInitialAdminToken': {
        // Both are SHA-256 digests of 256-bit random tokens: comparing them leaks nothing about the token.
        if (state.status !== 'issued' || state.tokenHash !== command.data.tokenHash)
          throw new InvalidInitialAdminToken();
        return [
          {
            type: 'InitialAdminTokenConsumed',
            data: { userId: command.data.userId, consumedAt: command.data.now },
          },
        ];
      }
      case 'ReopenInitialAdminToken':
        if (state.status !== 'used' || state.userId !== command.data.userId) return [];
        return [
          {
            type: 'InitialAdminTokenReopened',
            data: { userId: command.data.userId, reopenedAt: command.data.now },
          },
        ];
    }
  },
};
