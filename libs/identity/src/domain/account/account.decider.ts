import { type Command, type Decider, DomainError } from '@idp/eventing';
import { parseEmail, parseUsername } from './account.values';

/**
 * One person's account (stream `account-<userId>`). Secrets never enter these events in clear: the password
 * arrives already hashed (argon2id), e-mailed tokens only as their SHA-256. Checks that need I/O (verifying the
 * current password against its hash, uniqueness of username and e-mail) happen before `decide` and arrive as
 * facts in the command; time arrives as `now` (ISO 8601).
 */

/** An e-mailed token: its hash to check it, and the token sealed with the platform key for the e-mail itself. */
interface PendingToken {
  tokenHash: string;
  expiresAt: string;
  sealedToken: string;
}

/** The pending invitation a sign-up's token proved (the membership service accepts it for the new account). */
export interface AccountInvitation {
  organizationId: string;
  membershipId: string;
}

export type AccountEvent =
  | {
      type: 'AccountRegistered';
      data: {
        userId: string;
        username: string;
        email: string;
        passwordHash: string;
        emailConfirmed: boolean;
        registeredAt: string;
        /** Set when the sign-up named a pending invitation with its token (absent in older events). */
        invitation?: AccountInvitation;
      };
    }
  | { type: 'EmailConfirmationRequested'; data: { email: string; username: string } & PendingToken }
  | { type: 'EmailConfirmed'; data: { email: string; confirmedAt: string } }
  | { type: 'EmailChangeRequested'; data: { email: string; username: string } & PendingToken }
  | { type: 'EmailChanged'; data: { from: string; to: string; username: string; changedAt: string } }
  | { type: 'UsernameChanged'; data: { from: string; to: string } }
  | {
      type: 'PasswordChanged';
      data: {
        passwordHash: string;
        username: string;
        email: string;
        changedAt: string;
        reason: 'changed' | 'reset' | 'rehashed';
      };
    }
  | { type: 'PasswordResetRequested'; data: { username: string; email: string } & PendingToken }
  | { type: 'AccountSuspended'; data: { suspendedAt: string } }
  | { type: 'AccountUnsuspended'; data: { unsuspendedAt: string } }
  | { type: 'SiteAdminGranted'; data: Record<string, never> }
  | { type: 'SiteAdminRevoked'; data: Record<string, never> }
  | {
      type: 'AccountDeleted';
      data: { username: string; email: string; unconfirmedEmail: string | null; deletedAt: string };
    };

/** Commands carry the request's metadata (actor, correlation) for `handleCommand` to copy onto the events. */
export type AccountCommand = (
  | {
      type: 'RegisterAccount';
      data: {
        userId: string;
        username: string;
        email: string;
        passwordHash: string;
        /** Set when the e-mail is already proven (an invitation token mailed to it); otherwise a confirmation is requested. */
        emailConfirmed: boolean;
        confirmation?: PendingToken;
        /** The invitation whose mailed token proved the e-mail; recorded on `AccountRegistered`. */
        invitation?: AccountInvitation;
        now: string;
      };
    }
  | { type: 'ConfirmEmail'; data: { tokenHash: string; now: string } }
  | { type: 'ChangeUsername'; data: { username: string } }
  | { type: 'RequestEmailChange'; data: { email: string; confirmation: PendingToken } }
  | { type: 'ResendEmailConfirmation'; data: { confirmation: PendingToken } }
  | { type: 'ChangePassword'; data: { currentPasswordValid: boolean; passwordHash: string; now: string } }
  | { type: 'RehashPassword'; data: { passwordHash: string; now: string } }
  | { type: 'RequestPasswordReset'; data: PendingToken }
  | { type: 'CompletePasswordReset'; data: { tokenHash: string; passwordHash: string; now: string } }
  | { type: 'SuspendAccount'; data: { now: string } }
  | { type: 'UnsuspendAccount'; data: { now: string } }
  | { type: 'GrantSiteAdmin'; data: Record<string, never> }
  | { type: 'RevokeSiteAdmin'; data: Record<string, never> }
  | { type: 'DeleteAccount'; data: { now: string } }
) &
  Pick<Command, 'metadata'>;

export type AccountState =
  | { status: 'none' }
  | { status: 'deleted' }
  | {
      status: 'active' | 'suspended';
      userId: string;
      username: string;
      email: string;
      emailConfirmed: boolean;
      passwordHash: string;
      isSiteAdmin: boolean;
      registeredAt: string;
      /** Confirmation of `email` (not yet confirmed) or of `unconfirmedEmail` (a change). */
      pendingConfirmation?: PendingToken & { email: string };
      unconfirmedEmail: string | null;
      pendingReset?: PendingToken;
    };

type LiveAccount = Extract<AccountState, { status: 'active' | 'suspended' }>;

export class AccountNotFound extends DomainError {
  constructor() {
    super('ACCOUNT.NOT_FOUND', 'not found');
  }
}
export class AccountAlreadyExists extends DomainError {
  constructor() {
    super('ACCOUNT.ALREADY_EXISTS', 'account already exists');
  }
}
export class AccountSuspended extends DomainError {
  constructor() {
    super('ACCOUNT.SUSPENDED', 'account is suspended');
  }
}
export class InvalidToken extends DomainError {
  constructor() {
    super('ACCOUNT.INVALID_TOKEN', 'The link is invalid or has expired', { attribute: 'token' });
  }
}
export class InvalidCurrentPassword extends DomainError {
  constructor() {
    super('ACCOUNT.INVALID_CURRENT_PASSWORD', 'Current password is incorrect', {
      attribute: 'current_password',
    });
  }
}
/** The admin actions' error cases of TFC-API §10 ("already suspended", "not admin", …) are 400s there. */
export class InvalidAccountTransition extends DomainError {
  constructor(message: string) {
    super('ACCOUNT.INVALID_TRANSITION', message);
  }
}

const pendingOf = ({ email, tokenHash, expiresAt, sealedToken }: PendingToken & { email: string }) => ({
  email,
  tokenHash,
  expiresAt,
  sealedToken,
});

export const initialState = (): AccountState => ({ status: 'none' });

export const evolve = (state: AccountState, event: AccountEvent): AccountState => {
  if (event.type === 'AccountRegistered') {
    const { userId, username, email, passwordHash, emailConfirmed, registeredAt } = event.data;
    return {
      status: 'active',
      userId,
      username,
      email,
      emailConfirmed,
      passwordHash,
      isSiteAdmin: false,
      registeredAt,
      unconfirmedEmail: null,
    };
  }
  if (state.status === 'none' || state.status === 'deleted') return state;
  switch (event.type) {
    case 'EmailConfirmationRequested':
      return { ...state, pendingConfirmation: pendingOf(event.data) };
    case 'EmailConfirmed':
      return { ...state, emailConfirmed: true, pendingConfirmation: undefined };
    case 'EmailChangeRequested':
      return { ...state, unconfirmedEmail: event.data.email, pendingConfirmation: pendingOf(event.data) };
    case 'EmailChanged':
      return {
        ...state,
        email: event.data.to,
        emailConfirmed: true,
        unconfirmedEmail: null,
        pendingConfirmation: undefined,
      };
    case 'UsernameChanged':
      return { ...state, username: event.data.to };
    case 'PasswordChanged':
      return { ...state, passwordHash: event.data.passwordHash, pendingReset: undefined };
    case 'PasswordResetRequested':
      return {
        ...state,
        pendingReset: {
          tokenHash: event.data.tokenHash,
          expiresAt: event.data.expiresAt,
          sealedToken: event.data.sealedToken,
        },
      };
    case 'AccountSuspended':
      return { ...state, status: 'suspended' };
    case 'AccountUnsuspended':
      return { ...state, status: 'active' };
    case 'SiteAdminGranted':
      return { ...state, isSiteAdmin: true };
    case 'SiteAdminRevoked':
      return { ...state, isSiteAdmin: false };
    case 'AccountDeleted':
      return { status: 'deleted' };
  }
};

const live = (state: AccountState): LiveAccount => {
  if (state.status === 'none' || state.status === 'deleted') throw new AccountNotFound();
  return state;
};

const active = (state: AccountState): LiveAccount => {
  const account = live(state);
  if (account.status === 'suspended') throw new AccountSuspended();
  return account;
};

const passwordChanged = (
  account: LiveAccount,
  passwordHash: string,
  changedAt: string,
  reason: 'changed' | 'reset' | 'rehashed',
): AccountEvent => ({
  type: 'PasswordChanged',
  data: { passwordHash, username: account.username, email: account.email, changedAt, reason },
});

const valid = (token: PendingToken | undefined, tokenHash: string, now: string): boolean =>
  token !== undefined && token.tokenHash === tokenHash && Date.parse(now) < Date.parse(token.expiresAt);

export const decide = (command: AccountCommand, state: AccountState): AccountEvent[] => {
  switch (command.type) {
    case 'RegisterAccount': {
      if (state.status !== 'none') throw new AccountAlreadyExists();
      const { userId, passwordHash, emailConfirmed, confirmation, invitation, now } = command.data;
      const username = parseUsername(command.data.username);
      const email = parseEmail(command.data.email);
      const registered: AccountEvent = {
        type: 'AccountRegistered',
        data: {
          userId,
          username,
          email,
          passwordHash,
          emailConfirmed,
          registeredAt: now,
          ...(invitation && { invitation }),
        },
      };
      if (emailConfirmed) return [registered];
      if (!confirmation)
        throw new Error('RegisterAccount needs a confirmation token unless the e-mail is confirmed');
      return [registered, { type: 'EmailConfirmationRequested', data: { email, username, ...confirmation } }];
    }

    case 'ConfirmEmail': {
      const account = active(state);
      const { tokenHash, now } = command.data;
      const pending = account.pendingConfirmation;
      if (!pending || !valid(pending, tokenHash, now)) throw new InvalidToken();
      if (account.unconfirmedEmail !== null && pending.email === account.unconfirmedEmail)
        return [
          {
            type: 'EmailChanged',
            data: { from: account.email, to: pending.email, username: account.username, changedAt: now },
          },
        ];
      return [{ type: 'EmailConfirmed', data: { email: account.email, confirmedAt: now } }];
    }

    case 'ChangeUsername': {
      const account = active(state);
      const username = parseUsername(command.data.username);
      if (username === account.username) return [];
      return [{ type: 'UsernameChanged', data: { from: account.username, to: username } }];
    }

    case 'RequestEmailChange': {
      const account = active(state);
      const email = parseEmail(command.data.email);
      if (email.toLowerCase() === account.email.toLowerCase()) {
        // Back to the current address: a pending change is simply dropped by confirming nothing new.
        return [];
      }
      return [
        {
          type: 'EmailChangeRequested',
          data: { email, username: account.username, ...command.data.confirmation },
        },
      ];
    }

    case 'ResendEmailConfirmation': {
      const account = active(state);
      if (account.unconfirmedEmail !== null)
        return [
          {
            type: 'EmailChangeRequested',
            data: {
              email: account.unconfirmedEmail,
              username: account.username,
              ...command.data.confirmation,
            },
          },
        ];
      if (account.emailConfirmed) return [];
      return [
        {
          type: 'EmailConfirmationRequested',
          data: { email: account.email, username: account.username, ...command.data.confirmation },
        },
      ];
    }

    case 'ChangePassword': {
      const account = active(state);
      if (!command.data.currentPasswordValid) throw new InvalidCurrentPassword();
      return [passwordChanged(account, command.data.passwordHash, command.data.now, 'changed')];
    }

    case 'RehashPassword': {
      const account = active(state);
      if (account.passwordHash === command.data.passwordHash) return [];
      return [passwordChanged(account, command.data.passwordHash, command.data.now, 'rehashed')];
    }

    case 'RequestPasswordReset': {
      // A suspended account gets no reset link (it could not sign in anyway); the API answers 202 regardless.
      const account = live(state);
      if (account.status === 'suspended') return [];
      return [
        {
          type: 'PasswordResetRequested',
          data: { username: account.username, email: account.email, ...command.data },
        },
      ];
    }

    case 'CompletePasswordReset': {
      const account = active(state);
      const { tokenHash, passwordHash, now } = command.data;
      if (!valid(account.pendingReset, tokenHash, now)) throw new InvalidToken();
      return [passwordChanged(account, passwordHash, now, 'reset')];
    }

    case 'SuspendAccount': {
      const account = live(state);
      if (account.status === 'suspended') throw new InvalidAccountTransition('user is already suspended');
      return [{ type: 'AccountSuspended', data: { suspendedAt: command.data.now } }];
    }

    case 'UnsuspendAccount': {
      const account = live(state);
      if (account.status !== 'suspended') throw new InvalidAccountTransition('user is not suspended');
      return [{ type: 'AccountUnsuspended', data: { unsuspendedAt: command.data.now } }];
    }

    case 'GrantSiteAdmin': {
      const account = live(state);
      if (account.isSiteAdmin) throw new InvalidAccountTransition('user is already an administrator');
      return [{ type: 'SiteAdminGranted', data: {} }];
    }

    case 'RevokeSiteAdmin': {
      const account = live(state);
      if (!account.isSiteAdmin) throw new InvalidAccountTransition('user is not an administrator');
      return [{ type: 'SiteAdminRevoked', data: {} }];
    }

    case 'DeleteAccount': {
      const account = live(state);
      return [
        {
          type: 'AccountDeleted',
          data: {
            username: account.username,
            email: account.email,
            unconfirmedEmail: account.unconfirmedEmail,
            deletedAt: command.data.now,
          },
        },
      ];
    }
  }
};

export const accountDecider: Decider<AccountCommand, AccountEvent, AccountState> = {
  initialState,
  evolve,
  decide,
};

export const accountStream = (userId: string) => `account-${userId}`;
