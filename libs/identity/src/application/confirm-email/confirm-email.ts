import type { AccountView, ConfirmEmailRequest, UserRequest } from '@idp/contracts';
import { IDENTITY_SEAL_CONTEXT } from '@idp/contracts';
import { AccountNotFound, AccountSuspended, InvalidToken } from '../../domain/account/account.decider';
import { normaliseUniqueValue } from '@idp/eventing';
import {
  assertActsAs,
  commandMetadata,
  handleAccountCommand,
  type LiveAccount,
  toAccountView,
} from '../shared/account-store';
import type { IdentityDeps } from '../shared/identity-deps';
import { EMAIL_CONFIRMATION_TTL_MS, issueLinkToken, parseLinkToken } from '../shared/link-token';

/**
 * `POST /account/confirm`: the token (`<userId>.<secret>`) names the account, so the check is one stream fold.
 * Confirms the address, or completes a pending change of address (`EmailChanged`), after which the old address is
 * released. Unknown account, wrong or expired token and suspended account all answer `ACCOUNT.INVALID_TOKEN`.
 */
export const confirmEmail = async (
  deps: IdentityDeps,
  request: ConfirmEmailRequest,
): Promise<AccountView> => {
  const { userId, tokenHash } = parseLinkToken(request.token);
  const now = deps.clock.now();
  let result;
  try {
    result = await handleAccountCommand(
      deps.store,
      userId,
      { type: 'ConfirmEmail', data: { tokenHash, now: now.toISOString() } },
      commandMetadata(request.meta, now),
    );
  } catch (err) {
    if (err instanceof AccountNotFound || err instanceof AccountSuspended) throw new InvalidToken();
    throw err;
  }
  const changed = result.events.find((e) => e.type === 'EmailChanged');
  if (
    changed?.type === 'EmailChanged' &&
    normaliseUniqueValue(changed.data.from) !== normaliseUniqueValue(changed.data.to)
  )
    // The old address was held until now so that the change could still be abandoned; a failed release only
    // keeps it reserved for this user (logged), it never frees an address in use.
    await deps.guard.release('email', changed.data.from, userId).catch((err: unknown) =>
      deps.logger.error('identity: could not release the previous e-mail address', {
        owner: userId,
        error: err instanceof Error ? err.message : String(err),
      }),
    );
  if (result.events.length) await deps.accounts.catchUp(); // read-your-writes for `get-account`
  return toAccountView(result.state as LiveAccount);
};

/** `/account/reconfirm`: a new confirmation link for the unconfirmed address (or the pending new one). */
export const resendConfirmation = async (deps: IdentityDeps, request: UserRequest): Promise<AccountView> => {
  assertActsAs(request.meta, request.userId);
  const now = deps.clock.now();
  const { pending } = issueLinkToken(
    deps.secretBox,
    request.userId,
    IDENTITY_SEAL_CONTEXT.emailConfirmation,
    now,
    EMAIL_CONFIRMATION_TTL_MS,
  );
  const result = await handleAccountCommand(
    deps.store,
    request.userId,
    { type: 'ResendEmailConfirmation', data: { confirmation: pending } },
    commandMetadata(request.meta, now),
  );
  if (result.events.length) await deps.accounts.catchUp(); // read-your-writes for `get-account`
  return toAccountView(result.state as LiveAccount);
};
