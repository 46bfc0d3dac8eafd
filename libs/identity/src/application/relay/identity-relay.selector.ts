import type { IdentityIntegrationEvent } from '@idp/contracts';
import type { RecordedEvent, RelaySelector } from '@idp/eventing';
import type { AccountEvent } from '../../domain/account/account.decider';

const ACCOUNT_STREAM = /^account-(.+)$/;

/**
 * The public face of an account event: what other services may know. Never a password hash, never a token hash;
 * link tokens travel only sealed (`sealedToken`). Exhaustive over `AccountEvent`: a new stored event type does not
 * compile until it is decided here whether (and as what) it leaves the service.
 */
export const toIntegrationEvent = (
  userId: string,
  event: AccountEvent,
): IdentityIntegrationEvent | undefined => {
  switch (event.type) {
    case 'AccountRegistered': {
      const { username, email, emailConfirmed, registeredAt, invitation } = event.data;
      return {
        type: event.type,
        data: {
          userId,
          username,
          email,
          emailConfirmed,
          registeredAt,
          // For the membership service's process manager, which accepts that invitation for the new account.
          ...(invitation && {
            invitation: { organizationId: invitation.organizationId, membershipId: invitation.membershipId },
          }),
        },
      };
    }
    case 'EmailConfirmationRequested':
    case 'EmailChangeRequested':
    case 'PasswordResetRequested': {
      const { username, email, sealedToken, expiresAt } = event.data;
      return { type: event.type, data: { userId, username, email, sealedToken, expiresAt } };
    }
    case 'EmailConfirmed':
      return { type: event.type, data: { userId, email: event.data.email } };
    case 'EmailChanged': {
      const { username, from, to } = event.data;
      return { type: event.type, data: { userId, username, from, to } };
    }
    case 'UsernameChanged':
      return { type: event.type, data: { userId, from: event.data.from, to: event.data.to } };
    case 'PasswordChanged': {
      const { username, email, reason } = event.data;
      return { type: event.type, data: { userId, username, email, reason } };
    }
    case 'AccountSuspended':
    case 'AccountUnsuspended':
    case 'SiteAdminGranted':
    case 'SiteAdminRevoked':
    case 'AccountDeleted':
      return { type: event.type, data: { userId } };
    // Two-factor: whether it is on (the membership service enforces organization policies) and SMS codes to send,
    // sealed. Never the TOTP secret, sealed or not, never recovery code hashes; the rest stays in the service.
    case 'TwoFactorEnabled':
      return { type: event.type, data: { userId, delivery: event.data.delivery } };
    case 'TwoFactorDisabled':
      return { type: event.type, data: { userId, by: event.data.by } };
    case 'TwoFactorSmsCodeSent': {
      const { smsNumber, sealedCode, expiresAt, purpose } = event.data;
      return {
        type: 'TwoFactorSmsCodeRequested',
        data: { userId, smsNumber, sealedCode, expiresAt, purpose },
      };
    }
    case 'TwoFactorEnrolmentStarted':
    case 'TwoFactorCodeAccepted':
    case 'RecoveryCodeUsed':
    case 'RecoveryCodesRegenerated':
      return undefined;
  }
};

const ACCOUNT_EVENT_TYPES: ReadonlySet<string> = new Set<AccountEvent['type']>([
  'AccountRegistered',
  'EmailConfirmationRequested',
  'EmailConfirmed',
  'EmailChangeRequested',
  'EmailChanged',
  'UsernameChanged',
  'PasswordChanged',
  'PasswordResetRequested',
  'AccountSuspended',
  'AccountUnsuspended',
  'SiteAdminGranted',
  'SiteAdminRevoked',
  'AccountDeleted',
  'TwoFactorEnabled',
  'TwoFactorDisabled',
  'TwoFactorSmsCodeSent',
]);

/**
 * The identity relay's selector: account events leave as integration events (`identity.events.ts`); everything
 * else (reservations, login throttling, the IACT) stays private. The envelope (id, stream, revision, position,
 * metadata) is kept, so consumers dedupe by id and order by stream. Pure and deterministic, as the relay requires.
 */
export const select: RelaySelector = (event: RecordedEvent) => {
  const userId = ACCOUNT_STREAM.exec(event.stream)?.[1];
  if (!userId || !ACCOUNT_EVENT_TYPES.has(event.type)) return undefined;
  const mapped = toIntegrationEvent(userId, event as unknown as AccountEvent);
  if (!mapped) return undefined;
  return { ...event, type: mapped.type, data: mapped.data };
};
