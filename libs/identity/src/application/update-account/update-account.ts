import type { AccountView, UpdateAccountRequest } from '@idp/contracts';
import { IDENTITY_SEAL_CONTEXT } from '@idp/contracts';
import { normaliseUniqueValue } from '@idp/eventing';
import { AccountSuspended } from '../../domain/account/account.decider';
import { parseEmail, parseUsername } from '../../domain/account/account.values';
import {
  assertActsAs,
  commandMetadata,
  handleAccountCommand,
  type LiveAccount,
  loadLiveAccount,
  toAccountView,
} from '../shared/account-store';
import { Claims } from '../shared/claims';
import type { IdentityDeps } from '../shared/identity-deps';
import { EMAIL_CONFIRMATION_TTL_MS, issueLinkToken } from '../shared/link-token';

const same = (a: string | null | undefined, b: string | null | undefined) =>
  a != null && b != null && normaliseUniqueValue(a) === normaliseUniqueValue(b);

/**
 * `PATCH /account/update` (TFC-API §2.2): username at once, e-mail pending until confirmed.
 *
 * Both values are checked, then both new values are claimed for this user, before anything is appended, so a
 * taken name fails the whole request without changing anything. Then the username changes and the new address is
 * requested. Releases follow the account's events, never the request: the username the account actually had
 * (`UsernameChanged.from`) is released after the change; a pending address replaced by another one is released;
 * the confirmed address stays reserved until the change is confirmed (`confirmEmail` releases it then), so the
 * user can still abandon the change.
 */
export const updateAccount = async (
  deps: IdentityDeps,
  request: UpdateAccountRequest,
): Promise<AccountView> => {
  assertActsAs(request.meta, request.userId);
  const { userId } = request;
  const username = request.username === undefined ? undefined : parseUsername(request.username);
  const email = request.email === undefined ? undefined : parseEmail(request.email);

  const before = await loadLiveAccount(deps.store, userId);
  if (before.status === 'suspended') throw new AccountSuspended();
  const newUsername = username !== undefined && !same(username, before.username) ? username : undefined;
  const newEmail =
    email !== undefined && !same(email, before.email) && !same(email, before.unconfirmedEmail)
      ? email
      : undefined;

  const claims = new Claims(deps.guard, userId, deps.logger);
  let state: LiveAccount = before;
  let appended = false;
  try {
    if (newEmail !== undefined) await claims.claim('email', newEmail);
    if (newUsername !== undefined) await claims.claim('username', newUsername);
  } catch (err) {
    await claims.releaseAll();
    throw err;
  }

  const now = deps.clock.now();
  const metadata = commandMetadata(request.meta, now);
  const release = (scope: 'username' | 'email', value: string) =>
    deps.guard.release(scope, value, userId).catch((err: unknown) =>
      deps.logger.error('identity: could not release a previous value; it stays reserved for its owner', {
        scope,
        owner: userId,
        error: err instanceof Error ? err.message : String(err),
      }),
    );

  try {
    if (username !== undefined) {
      // A case-only change ("Ada" → "ada") claims nothing new but is still a change.
      const result = await handleAccountCommand(
        deps.store,
        userId,
        { type: 'ChangeUsername', data: { username } },
        metadata,
      );
      state = result.state as LiveAccount;
      appended ||= result.events.length > 0;
      for (const e of result.events)
        if (e.type === 'UsernameChanged' && !same(e.data.from, e.data.to))
          await release('username', e.data.from);
    }
  } catch (err) {
    await claims.releaseAll();
    throw err;
  }

  if (email !== undefined) {
    const { pending } = issueLinkToken(
      deps.secretBox,
      userId,
      IDENTITY_SEAL_CONTEXT.emailConfirmation,
      now,
      EMAIL_CONFIRMATION_TTL_MS,
    );
    try {
      const result = await handleAccountCommand(
        deps.store,
        userId,
        { type: 'RequestEmailChange', data: { email, confirmation: pending } },
        metadata,
      );
      if (result.events.length) {
        appended = true;
        const previousPending = state.unconfirmedEmail;
        state = result.state as LiveAccount;
        if (previousPending !== null && !same(previousPending, email) && !same(previousPending, state.email))
          await release('email', previousPending);
      }
    } catch (err) {
      if (newEmail !== undefined) await release('email', newEmail);
      // The username change stands: the caller's next read sees it, whatever failed here.
      if (appended) await deps.accounts.catchUp().catch(() => undefined);
      throw err;
    }
  }
  // After the compensations above: a failed catch-up must not release what a committed change holds.
  if (appended) await deps.accounts.catchUp(); // read-your-writes for `get-account`
  return toAccountView(state);
};
