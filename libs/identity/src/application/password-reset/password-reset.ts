import type { Acknowledged, CompletePasswordResetRequest, RequestPasswordResetRequest } from '@idp/contracts';
import { IDENTITY_SEAL_CONTEXT } from '@idp/contracts';
import { normaliseUniqueValue } from '@idp/eventing';
import {
  accountDecider,
  AccountNotFound,
  AccountSuspended,
  InvalidToken,
} from '../../domain/account/account.decider';
import { InvalidEmail, parseEmail } from '../../domain/account/account.values';
import { assertPasswordAcceptable } from '../../domain/password';
import { commandMetadata, handleAccountCommand, loadAccount } from '../shared/account-store';
import { PasswordConfirmationMismatch } from '../shared/errors';
import type { IdentityDeps } from '../shared/identity-deps';
import { issueLinkToken, parseLinkToken, PASSWORD_RESET_TTL_MS } from '../shared/link-token';

const ACK: Acknowledged = { ok: true };

/**
 * `POST /account/password-reset`: always answers at once with the same acknowledgement; the lookup and the
 * `PasswordResetRequested` event (which the notification service mails) happen after the reply, so neither the
 * answer nor its timing tells whether the address has an account. Only an account's confirmed address (not a
 * pending new one) receives a link; a suspended account gets none.
 */
export const requestPasswordReset = async (
  deps: IdentityDeps,
  request: RequestPasswordResetRequest,
): Promise<Acknowledged> => {
  let email: string;
  try {
    email = parseEmail(request.email);
  } catch (err) {
    if (err instanceof InvalidEmail) return ACK;
    throw err;
  }
  deps.background.run('password reset request', async () => {
    const userId = await deps.guard.ownerOf('email', email);
    if (!userId) return;
    const account = await loadAccount(deps.store, userId);
    if (account.status !== 'active' || normaliseUniqueValue(account.email) !== normaliseUniqueValue(email))
      return;
    const now = deps.clock.now();
    const { pending } = issueLinkToken(
      deps.secretBox,
      userId,
      IDENTITY_SEAL_CONTEXT.passwordReset,
      now,
      PASSWORD_RESET_TTL_MS,
    );
    await handleAccountCommand(
      deps.store,
      userId,
      { type: 'RequestPasswordReset', data: pending },
      commandMetadata(request.meta, now),
    );
  });
  return ACK;
};

/**
 * `POST /account/password-reset/complete`. The token is checked before the password (no point in perfecting a
 * password for a dead link), then the policy, then the hash; the decider checks the token again against the state
 * the event is appended after, so a link works once. `PasswordChanged` with reason `reset` makes the token service
 * end every session of the account.
 */
export const completePasswordReset = async (
  deps: IdentityDeps,
  request: CompletePasswordResetRequest,
): Promise<Acknowledged> => {
  const { userId, tokenHash } = parseLinkToken(request.token);
  const account = await loadAccount(deps.store, userId);
  const now = deps.clock.now();
  const command = (passwordHash: string) => ({
    type: 'CompletePasswordReset' as const,
    data: { tokenHash, passwordHash, now: now.toISOString() },
  });
  try {
    accountDecider.decide(command(''), account); // dry run: only the token and account checks
  } catch (err) {
    if (err instanceof AccountNotFound || err instanceof AccountSuspended) throw new InvalidToken();
    throw err;
  }
  if (account.status !== 'active') throw new InvalidToken();
  if (request.password !== request.passwordConfirmation) throw new PasswordConfirmationMismatch();
  assertPasswordAcceptable(request.password, { username: account.username, email: account.email });
  const passwordHash = await deps.hasher.hash(request.password);
  try {
    await handleAccountCommand(deps.store, userId, command(passwordHash), commandMetadata(request.meta, now));
  } catch (err) {
    if (err instanceof AccountNotFound || err instanceof AccountSuspended) throw new InvalidToken();
    throw err;
  }
  return ACK;
};
