/**
 * Events the identity service publishes on `identity.events` (integration events: the relay maps its stored
 * events to these). Never a password hash, never a token in clear: a link token travels sealed with the
 * platform's secret key (`sealedToken`), for the notification service to put in the e-mail.
 */
export type IdentityIntegrationEvent =
  | {
      type: 'AccountRegistered';
      data: {
        userId: string;
        username: string;
        email: string;
        emailConfirmed: boolean;
        registeredAt: string;
        /**
         * Set when the account signed up with a valid invitation token whose e-mail matched: the membership service
         * accepts that invitation for the new user (its process manager, idempotent).
         */
        invitation?: { organizationId: string; membershipId: string };
      };
    }
  | {
      type: 'EmailConfirmationRequested';
      data: { userId: string; username: string; email: string; sealedToken: string; expiresAt: string };
    }
  | { type: 'EmailConfirmed'; data: { userId: string; email: string } }
  | {
      type: 'EmailChangeRequested';
      data: { userId: string; username: string; email: string; sealedToken: string; expiresAt: string };
    }
  | { type: 'EmailChanged'; data: { userId: string; username: string; from: string; to: string } }
  | { type: 'UsernameChanged'; data: { userId: string; from: string; to: string } }
  | {
      type: 'PasswordChanged';
      data: { userId: string; username: string; email: string; reason: 'changed' | 'reset' | 'rehashed' };
    }
  | {
      type: 'PasswordResetRequested';
      data: { userId: string; username: string; email: string; sealedToken: string; expiresAt: string };
    }
  | { type: 'AccountSuspended'; data: { userId: string } }
  | { type: 'AccountUnsuspended'; data: { userId: string } }
  | { type: 'SiteAdminGranted'; data: { userId: string } }
  | { type: 'SiteAdminRevoked'; data: { userId: string } }
  | { type: 'AccountDeleted'; data: { userId: string } }
  /** Two-factor authentication became active (after a verified code); never carries the secret. */
  | { type: 'TwoFactorEnabled'; data: { userId: string; delivery: 'app' | 'sms' } }
  /** Two-factor authentication was turned off, by the user (with their password) or by a site admin. */
  | { type: 'TwoFactorDisabled'; data: { userId: string; by: 'user' | 'admin' } }
  /**
   * A two-factor code to send by SMS (enrolment or login): `sealedCode` is sealed with context
   * `IDENTITY_SEAL_CONTEXT.twoFactorSmsCode`; the notification service opens it and sends it to `smsNumber` (E.164).
   */
  | {
      type: 'TwoFactorSmsCodeRequested';
      data: {
        userId: string;
        smsNumber: string;
        sealedCode: string;
        expiresAt: string;
        purpose: 'enable' | 'login';
      };
    };

export type IdentityEventType = IdentityIntegrationEvent['type'];

/**
 * The `SecretBox` context each `sealedToken` is sealed with (`secretBox.open(sealedToken, context)`): a token sealed
 * for one purpose cannot be opened as another. The clear token has the form `<userId>.<secret>`; the e-mailed link
 * carries it whole.
 */
export const IDENTITY_SEAL_CONTEXT = {
  /** `EmailConfirmationRequested` and `EmailChangeRequested`: the token for `identity.confirm-email`. */
  emailConfirmation: 'email-confirmation',
  /** `PasswordResetRequested`: the token for `identity.complete-password-reset`. */
  passwordReset: 'password-reset',
  /** `TwoFactorSmsCodeRequested`: the 6-digit code to text. */
  twoFactorSmsCode: 'two-factor-sms-code',
} as const;
