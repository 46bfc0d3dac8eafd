import { z } from 'zod';
import { requestMetaSchema } from '../rpc';
import type { AccountView, Acknowledged } from './identity.messages';

/**
 * Two-factor authentication (TFC-API §12, §15), answered by the identity service. Every pattern acts on `userId` and
 * answers only when `meta.actor` is that user (or `system`), otherwise `ACCOUNT.NOT_FOUND`.
 *
 * Refusals: `TWO_FACTOR.ALREADY_ENABLED` / `NOT_ENABLED` / `NOT_PENDING` / `SMS_NOT_CONFIGURED` (400),
 * `TWO_FACTOR.INVALID_CODE` (`attribute: code`), `TWO_FACTOR.INVALID_RECOVERY_CODE` (`attribute: recovery-code`),
 * `TWO_FACTOR.INVALID_SMS_NUMBER` (`attribute: sms-number`), `ACCOUNT.INVALID_CURRENT_PASSWORD` (`attribute:
 * password`) (422), `TWO_FACTOR.TOO_MANY_ATTEMPTS` and `TWO_FACTOR.SMS_LIMIT` (429, `details.retryAfterSeconds`).
 */
export const TWO_FACTOR = {
  /** Starts (or restarts) an enrolment: a fresh TOTP secret for `app`, an SMS code for `sms`. Nothing is on yet. */
  startEnrolment: 'identity.two-factor-start-enrolment',
  /** Verifies the first code and turns 2FA on; the reply holds the recovery codes, shown this once. */
  enable: 'identity.two-factor-enable',
  /** Sends a fresh SMS code: for a pending SMS enrolment, or at login for an SMS account (TFC-API §1.8 limits). */
  sendSmsCode: 'identity.two-factor-send-sms-code',
  /** The second step of a login: a code from the app or the SMS. Attempts: 5 a minute per user. */
  verifyCode: 'identity.two-factor-verify-code',
  /** The second step of a login with a recovery code; each works once. Attempts count as for `verifyCode`. */
  verifyRecoveryCode: 'identity.two-factor-verify-recovery-code',
  /** A new set of recovery codes (the password is required); the old set is void. */
  regenerateRecoveryCodes: 'identity.two-factor-regenerate-recovery-codes',
  /** Turns 2FA off (the password is required). The gateway checks organization policies first. */
  disable: 'identity.two-factor-disable',
} as const;

const userId = z.string().max(64);
const password = z.string().max(1024);

export const startTwoFactorEnrolmentRequest = z.object({
  meta: requestMetaSchema,
  userId,
  delivery: z.enum(['app', 'sms']),
  /** E.164; required for `sms`. */
  smsNumber: z.string().max(32).optional(),
});
export const twoFactorCodeRequest = z.object({ meta: requestMetaSchema, userId, code: z.string().max(64) });
export const twoFactorRecoveryCodeRequest = z.object({
  meta: requestMetaSchema,
  userId,
  recoveryCode: z.string().max(64),
});
export const twoFactorPasswordRequest = z.object({ meta: requestMetaSchema, userId, password });
export const twoFactorUserRequest = z.object({ meta: requestMetaSchema, userId });

export type StartTwoFactorEnrolmentRequest = z.infer<typeof startTwoFactorEnrolmentRequest>;
export type TwoFactorCodeRequest = z.infer<typeof twoFactorCodeRequest>;
export type TwoFactorRecoveryCodeRequest = z.infer<typeof twoFactorRecoveryCodeRequest>;
export type TwoFactorPasswordRequest = z.infer<typeof twoFactorPasswordRequest>;
export type TwoFactorUserRequest = z.infer<typeof twoFactorUserRequest>;

/** A started enrolment. For `app`: the secret (base32) and its `otpauth://` URI, for the QR code; never again. */
export interface TwoFactorEnrolment {
  delivery: 'app' | 'sms';
  status: 'pending';
  secret: string | null;
  otpauthUri: string | null;
  smsNumber: string | null;
}

export interface TwoFactorEnabledResult {
  account: AccountView;
  /** Ten single-use codes, shown once; only their SHA-256 is kept. */
  recoveryCodes: string[];
}

export interface RecoveryCodesResult {
  recoveryCodes: string[];
}

export interface TwoFactorMessages {
  [TWO_FACTOR.startEnrolment]: { request: StartTwoFactorEnrolmentRequest; reply: TwoFactorEnrolment };
  [TWO_FACTOR.enable]: { request: TwoFactorCodeRequest; reply: TwoFactorEnabledResult };
  [TWO_FACTOR.sendSmsCode]: { request: TwoFactorUserRequest; reply: Acknowledged };
  [TWO_FACTOR.verifyCode]: { request: TwoFactorCodeRequest; reply: Acknowledged };
  [TWO_FACTOR.verifyRecoveryCode]: { request: TwoFactorRecoveryCodeRequest; reply: Acknowledged };
  [TWO_FACTOR.regenerateRecoveryCodes]: { request: TwoFactorPasswordRequest; reply: RecoveryCodesResult };
  [TWO_FACTOR.disable]: { request: TwoFactorPasswordRequest; reply: AccountView };
}
