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

/** How the second factor is delivered (TFC-API §12): an authenticator app (TOTP) or SMS codes. */
export type TwoFactorDelivery = 'app' | 'sms';

/**
 * What proves a second factor, established before `decide` (the secret and SMS codes are sealed; opening them is
 * I/O on a key): the TOTP time step the typed code matched within the drift window (null: none), or the sealed SMS
 * code the typed one matched (null: none).
 */
export type TwoFactorProof =
  { kind: 'totp'; timeStep: number | null } | { kind: 'sms'; sealedCode: string | null };

/**
 * Two-factor state. The TOTP secret is only ever held sealed (`SecretBox`, context `TOTP_SECRET_SEAL_CONTEXT`);
 * recovery codes only as SHA-256; SMS codes only sealed (for the notification service to send).
 */
export interface TwoFactorState {
  enabled: boolean;
  delivery: TwoFactorDelivery | null;
  smsNumber: string | null;
  sealedSecret: string | null;
  /** The last TOTP time step accepted: a code of this step or an earlier one is a replay. */
  lastTimeStep: number;
  recoveryCodeHashes: string[];
  /** An enrolment waiting for its first correct code; nothing is enabled until then. */
  pending?: { delivery: TwoFactorDelivery; smsNumber: string | null; sealedSecret: string | null };
  /** The SMS code last sent, until used or replaced (single use, expires). */
  smsCode?: { sealedCode: string; expiresAt: string };
  /** When SMS codes were sent within the last hour, oldest first (TFC-API §1.8 limits). */
  smsSentAt: string[];
}

export const NO_TWO_FACTOR: TwoFactorState = {
  enabled: false,
  delivery: null,
  smsNumber: null,
  sealedSecret: null,
  lastTimeStep: -1,
  recoveryCodeHashes: [],
  smsSentAt: [],
};

/** TFC-API §1.8: SMS sends per user. */
export const SMS_LIMITS = { perMinute: 5, perHour: 10 } as const;
/** How long an SMS code stays valid. */
export const SMS_CODE_TTL_MS = 10 * 60 * 1000;

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
    }
  | {
      type: 'TwoFactorEnrolmentStarted';
      data: {
        delivery: TwoFactorDelivery;
        smsNumber: string | null;
        sealedSecret: string | null;
        startedAt: string;
      };
    }
  | {
      type: 'TwoFactorEnabled';
      data: {
        delivery: TwoFactorDelivery;
        smsNumber: string | null;
        sealedSecret: string | null;
        /** The time step of the code that enabled it (app), so that code cannot log in again. */
        timeStep: number | null;
        recoveryCodeHashes: string[];
        enabledAt: string;
      };
    }
  | {
      type: 'TwoFactorCodeAccepted';
      data: { method: TwoFactorDelivery; timeStep: number | null; at: string };
    }
  | {
      type: 'TwoFactorSmsCodeSent';
      data: {
        smsNumber: string;
        sealedCode: string;
        expiresAt: string;
        purpose: 'enable' | 'login';
        sentAt: string;
      };
    }
  | { type: 'RecoveryCodeUsed'; data: { codeHash: string; at: string } }
  | { type: 'RecoveryCodesRegenerated'; data: { recoveryCodeHashes: string[]; at: string } }
  | { type: 'TwoFactorDisabled'; data: { by: 'user' | 'admin'; at: string } };

/**
 * Who asks for a site-administration command (TFC-API §10), found before `decide` (it needs I/O): absent for the
 * platform's own commands (the initial admin, tests). `actorIsSiteAdmin` false: the command does not exist for the
 * actor (`ACCOUNT.NOT_FOUND`, as for an unknown user). `self`: the actor is this account. `otherActiveAdmins`: site
 * admins other than this account that are not suspended (what is left if this one stops being one).
 */
export interface SiteAdminFacts {
  actorIsSiteAdmin: boolean;
  self: boolean;
  otherActiveAdmins: number;
}

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
  | { type: 'SuspendAccount'; data: { now: string; by?: SiteAdminFacts } }
  | { type: 'UnsuspendAccount'; data: { now: string; by?: SiteAdminFacts } }
  | { type: 'GrantSiteAdmin'; data: { by?: SiteAdminFacts } }
  | { type: 'RevokeSiteAdmin'; data: { by?: SiteAdminFacts } }
  | { type: 'DeleteAccount'; data: { now: string; by?: SiteAdminFacts } }
  | {
      type: 'StartTwoFactorEnrolment';
      data: {
        delivery: TwoFactorDelivery;
        smsNumber: string | null;
        sealedSecret: string | null;
        now: string;
      };
    }
  | { type: 'SendTwoFactorSmsCode'; data: { sealedCode: string; now: string } }
  | { type: 'EnableTwoFactor'; data: { proof: TwoFactorProof; recoveryCodeHashes: string[]; now: string } }
  | { type: 'VerifyTwoFactorCode'; data: { proof: TwoFactorProof; now: string } }
  | { type: 'UseRecoveryCode'; data: { codeHash: string; now: string } }
  | {
      type: 'RegenerateRecoveryCodes';
      data: { passwordValid: boolean; recoveryCodeHashes: string[]; now: string };
    }
  | { type: 'DisableTwoFactor'; data: { by: 'user'; passwordValid: boolean; now: string } }
  | { type: 'DisableTwoFactor'; data: { by: 'admin'; now: string } }
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
      twoFactor: TwoFactorState;
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
  constructor(attribute = 'current_password') {
    super('ACCOUNT.INVALID_CURRENT_PASSWORD', 'Current password is incorrect', { attribute });
  }
}
export class TwoFactorNotEnabled extends DomainError {
  constructor() {
    super('TWO_FACTOR.NOT_ENABLED', 'two-factor authentication is not enabled');
  }
}
export class TwoFactorAlreadyEnabled extends DomainError {
  constructor() {
    super('TWO_FACTOR.ALREADY_ENABLED', 'two-factor authentication is already enabled; disable it first');
  }
}
export class TwoFactorNotPending extends DomainError {
  constructor() {
    super('TWO_FACTOR.NOT_PENDING', 'no two-factor enrolment is pending; start one first');
  }
}
/** A wrong, expired or already used code: one answer for all, so a replay learns nothing. */
export class InvalidTwoFactorCode extends DomainError {
  constructor() {
    super('TWO_FACTOR.INVALID_CODE', 'The code is incorrect, expired or already used', { attribute: 'code' });
  }
}
export class InvalidRecoveryCode extends DomainError {
  constructor() {
    super('TWO_FACTOR.INVALID_RECOVERY_CODE', 'The recovery code is incorrect or already used', {
      attribute: 'recovery-code',
    });
  }
}
export class InvalidSmsNumber extends DomainError {
  constructor() {
    super('TWO_FACTOR.INVALID_SMS_NUMBER', 'sms-number must be a phone number in E.164 form (+14155550100)', {
      attribute: 'sms-number',
    });
  }
}
export class SmsNotConfigured extends DomainError {
  constructor() {
    super('TWO_FACTOR.SMS_NOT_CONFIGURED', 'two-factor codes are not delivered by SMS for this account');
  }
}
export class TooManySmsCodes extends DomainError {
  constructor(readonly retryAfterSeconds: number) {
    super('TWO_FACTOR.SMS_LIMIT', 'Too many SMS codes sent. Try again later.', { retryAfterSeconds });
  }
}

/** E.164: `+`, a country code not starting with 0, at most 15 digits in all. */
export const E164 = /^\+[1-9]\d{6,14}$/;
/** The admin actions' error cases of TFC-API §10 ("already suspended", "not admin", …) are 400s there. */
export class InvalidAccountTransition extends DomainError {
  constructor(message: string) {
    super('ACCOUNT.INVALID_TRANSITION', message);
  }
}

/** A site admin taking away the instance's last active site admin: themselves (revoke, suspend, delete). */
export class LastSiteAdmin extends DomainError {
  constructor(what: string) {
    super('ACCOUNT.LAST_SITE_ADMIN', `You cannot ${what} the last site administrator`);
  }
}

/**
 * A site-administration command from a non-admin does not exist for them (404, TFC-API §10); a site admin may not
 * leave the instance without an active one (`what` they would do to themselves).
 */
const authorizeAdmin = (by: SiteAdminFacts | undefined, what: string): void => {
  if (!by) return;
  if (!by.actorIsSiteAdmin) throw new AccountNotFound();
  if (by.self && by.otherActiveAdmins === 0) throw new LastSiteAdmin(what);
};

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
      twoFactor: NO_TWO_FACTOR,
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
    case 'TwoFactorEnrolmentStarted': {
      const { delivery, smsNumber, sealedSecret } = event.data;
      return {
        ...state,
        twoFactor: { ...state.twoFactor, pending: { delivery, smsNumber, sealedSecret }, smsCode: undefined },
      };
    }
    case 'TwoFactorEnabled': {
      const { delivery, smsNumber, sealedSecret, timeStep, recoveryCodeHashes } = event.data;
      return {
        ...state,
        twoFactor: {
          enabled: true,
          delivery,
          smsNumber,
          sealedSecret,
          lastTimeStep: timeStep ?? -1,
          recoveryCodeHashes,
          smsSentAt: state.twoFactor.smsSentAt,
        },
      };
    }
    case 'TwoFactorCodeAccepted':
      return {
        ...state,
        twoFactor: {
          ...state.twoFactor,
          lastTimeStep: event.data.timeStep ?? state.twoFactor.lastTimeStep,
          smsCode: event.data.method === 'sms' ? undefined : state.twoFactor.smsCode,
        },
      };
    case 'TwoFactorSmsCodeSent': {
      const sentAt = Date.parse(event.data.sentAt);
      const recent = state.twoFactor.smsSentAt.filter((t) => sentAt - Date.parse(t) < 3_600_000);
      return {
        ...state,
        twoFactor: {
          ...state.twoFactor,
          smsCode: { sealedCode: event.data.sealedCode, expiresAt: event.data.expiresAt },
          smsSentAt: [...recent, event.data.sentAt],
        },
      };
    }
    case 'RecoveryCodeUsed':
      return {
        ...state,
        twoFactor: {
          ...state.twoFactor,
          recoveryCodeHashes: state.twoFactor.recoveryCodeHashes.filter((h) => h !== event.data.codeHash),
        },
      };
    case 'RecoveryCodesRegenerated':
      return {
        ...state,
        twoFactor: { ...state.twoFactor, recoveryCodeHashes: event.data.recoveryCodeHashes },
      };
    case 'TwoFactorDisabled':
      return { ...state, twoFactor: { ...NO_TWO_FACTOR, smsSentAt: state.twoFactor.smsSentAt } };
  }
};

const enabledTwoFactor = (account: LiveAccount): TwoFactorState => {
  if (!account.twoFactor.enabled) throw new TwoFactorNotEnabled();
  return account.twoFactor;
};

/** Whether a proof holds against the state it is decided on (a TOTP step not used before, the current SMS code). */
const proven = (twoFactor: TwoFactorState, proof: TwoFactorProof, now: string): boolean => {
  if (proof.kind === 'totp') return proof.timeStep !== null && proof.timeStep > twoFactor.lastTimeStep;
  const sent = twoFactor.smsCode;
  return (
    proof.sealedCode !== null &&
    sent !== undefined &&
    sent.sealedCode === proof.sealedCode &&
    Date.parse(now) < Date.parse(sent.expiresAt)
  );
};

/** Seconds until another SMS may be sent, or 0 (TFC-API §1.8: 5 a minute, 10 an hour per user). */
export const smsWaitSeconds = (sentAt: readonly string[], now: string): number => {
  const at = Date.parse(now);
  const within = (ms: number) => sentAt.map(Date.parse).filter((t) => at - t < ms);
  const lastMinute = within(60_000);
  const lastHour = within(3_600_000);
  let waitMs = 0;
  if (lastMinute.length >= SMS_LIMITS.perMinute)
    waitMs = Math.max(waitMs, lastMinute[lastMinute.length - SMS_LIMITS.perMinute]! + 60_000 - at);
  if (lastHour.length >= SMS_LIMITS.perHour)
    waitMs = Math.max(waitMs, lastHour[lastHour.length - SMS_LIMITS.perHour]! + 3_600_000 - at);
  return Math.ceil(waitMs / 1000);
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
      authorizeAdmin(command.data.by, 'suspend');
      const account = live(state);
      if (account.status === 'suspended') throw new InvalidAccountTransition('user is already suspended');
      return [{ type: 'AccountSuspended', data: { suspendedAt: command.data.now } }];
    }

    case 'UnsuspendAccount': {
      authorizeAdmin(command.data.by && { ...command.data.by, self: false }, 'unsuspend');
      const account = live(state);
      if (account.status !== 'suspended') throw new InvalidAccountTransition('user is not suspended');
      return [{ type: 'AccountUnsuspended', data: { unsuspendedAt: command.data.now } }];
    }

    case 'GrantSiteAdmin': {
      authorizeAdmin(command.data.by && { ...command.data.by, self: false }, 'grant');
      const account = live(state);
      if (account.isSiteAdmin) throw new InvalidAccountTransition('user is already an administrator');
      return [{ type: 'SiteAdminGranted', data: {} }];
    }

    case 'RevokeSiteAdmin': {
      if (command.data.by && !command.data.by.actorIsSiteAdmin) throw new AccountNotFound();
      const account = live(state);
      if (!account.isSiteAdmin) throw new InvalidAccountTransition('user is not an administrator');
      authorizeAdmin(command.data.by, 'revoke the admin flag of');
      return [{ type: 'SiteAdminRevoked', data: {} }];
    }

    case 'StartTwoFactorEnrolment':
    case 'SendTwoFactorSmsCode':
    case 'EnableTwoFactor':
    case 'VerifyTwoFactorCode':
    case 'UseRecoveryCode':
    case 'RegenerateRecoveryCodes':
    case 'DisableTwoFactor':
      return decideTwoFactor(command, state);

    case 'DeleteAccount': {
      authorizeAdmin(command.data.by, 'delete');
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

type TwoFactorCommand = Extract<
  AccountCommand,
  {
    type:
      | 'StartTwoFactorEnrolment'
      | 'SendTwoFactorSmsCode'
      | 'EnableTwoFactor'
      | 'VerifyTwoFactorCode'
      | 'UseRecoveryCode'
      | 'RegenerateRecoveryCodes'
      | 'DisableTwoFactor';
  }
>;

/** The two-factor commands (`decide` delegates them here). */
const decideTwoFactor = (command: TwoFactorCommand, state: AccountState): AccountEvent[] => {
  switch (command.type) {
    case 'StartTwoFactorEnrolment': {
      const account = active(state);
      if (account.twoFactor.enabled) throw new TwoFactorAlreadyEnabled();
      const { delivery, smsNumber, sealedSecret, now } = command.data;
      if (delivery === 'sms' && (smsNumber === null || !E164.test(smsNumber))) throw new InvalidSmsNumber();
      if (delivery === 'app' && sealedSecret === null)
        throw new Error('StartTwoFactorEnrolment: an app enrolment needs a sealed secret');
      return [
        {
          type: 'TwoFactorEnrolmentStarted',
          data: { delivery, smsNumber: delivery === 'sms' ? smsNumber : null, sealedSecret, startedAt: now },
        },
      ];
    }

    case 'SendTwoFactorSmsCode': {
      const account = active(state);
      const { twoFactor } = account;
      const { sealedCode, now } = command.data;
      let purpose: 'enable' | 'login';
      let smsNumber: string | null;
      if (twoFactor.enabled) {
        if (twoFactor.delivery !== 'sms') throw new SmsNotConfigured();
        purpose = 'login';
        smsNumber = twoFactor.smsNumber;
      } else {
        if (!twoFactor.pending) throw new TwoFactorNotPending();
        if (twoFactor.pending.delivery !== 'sms') throw new SmsNotConfigured();
        purpose = 'enable';
        smsNumber = twoFactor.pending.smsNumber;
      }
      if (smsNumber === null) throw new SmsNotConfigured();
      const wait = smsWaitSeconds(twoFactor.smsSentAt, now);
      if (wait > 0) throw new TooManySmsCodes(wait);
      const expiresAt = new Date(Date.parse(now) + SMS_CODE_TTL_MS).toISOString();
      return [
        { type: 'TwoFactorSmsCodeSent', data: { smsNumber, sealedCode, expiresAt, purpose, sentAt: now } },
      ];
    }

    case 'EnableTwoFactor': {
      const account = active(state);
      const { twoFactor } = account;
      if (twoFactor.enabled) throw new TwoFactorAlreadyEnabled();
      const pending = twoFactor.pending;
      if (!pending) throw new TwoFactorNotPending();
      const { proof, recoveryCodeHashes, now } = command.data;
      if (proof.kind !== (pending.delivery === 'app' ? 'totp' : 'sms')) throw new InvalidTwoFactorCode();
      if (!proven(twoFactor, proof, now)) throw new InvalidTwoFactorCode();
      return [
        {
          type: 'TwoFactorEnabled',
          data: {
            delivery: pending.delivery,
            smsNumber: pending.smsNumber,
            sealedSecret: pending.sealedSecret,
            timeStep: proof.kind === 'totp' ? proof.timeStep : null,
            recoveryCodeHashes,
            enabledAt: now,
          },
        },
      ];
    }

    case 'VerifyTwoFactorCode': {
      const twoFactor = enabledTwoFactor(active(state));
      const { proof, now } = command.data;
      if (proof.kind !== (twoFactor.delivery === 'app' ? 'totp' : 'sms')) throw new InvalidTwoFactorCode();
      if (!proven(twoFactor, proof, now)) throw new InvalidTwoFactorCode();
      return [
        {
          type: 'TwoFactorCodeAccepted',
          data: {
            method: proof.kind === 'totp' ? 'app' : 'sms',
            timeStep: proof.kind === 'totp' ? proof.timeStep : null,
            at: now,
          },
        },
      ];
    }

    case 'UseRecoveryCode': {
      const twoFactor = enabledTwoFactor(active(state));
      if (!twoFactor.recoveryCodeHashes.includes(command.data.codeHash)) throw new InvalidRecoveryCode();
      return [{ type: 'RecoveryCodeUsed', data: { codeHash: command.data.codeHash, at: command.data.now } }];
    }

    case 'RegenerateRecoveryCodes': {
      const account = active(state);
      if (!command.data.passwordValid) throw new InvalidCurrentPassword('password');
      enabledTwoFactor(account);
      return [
        {
          type: 'RecoveryCodesRegenerated',
          data: { recoveryCodeHashes: command.data.recoveryCodeHashes, at: command.data.now },
        },
      ];
    }

    case 'DisableTwoFactor': {
      if (command.data.by === 'admin') {
        enabledTwoFactor(live(state));
        return [{ type: 'TwoFactorDisabled', data: { by: 'admin', at: command.data.now } }];
      }
      const account = active(state);
      if (!command.data.passwordValid) throw new InvalidCurrentPassword('password');
      enabledTwoFactor(account);
      return [{ type: 'TwoFactorDisabled', data: { by: 'user', at: command.data.now } }];
    }
  }
};

export const accountDecider: Decider<AccountCommand, AccountEvent, AccountState> = {
  initialState,
  evolve,
  decide,
};

export const accountStream = (userId: string) => `account-${userId}`;
