import type { AccountView, ChangePasswordRequest } from '@idp/contracts';
import { AccountSuspended, InvalidCurrentPassword } from '../../domain/account/account.decider';
import { assertPasswordAcceptable } from '../../domain/password';
import {
  assertActsAs,
  commandMetadata,
  handleAccountCommand,
  type LiveAccount,
  loadLiveAccount,
  toAccountView,
} from '../shared/account-store';
import { PasswordConfirmationMismatch } from '../shared/errors';
import type { IdentityDeps } from '../shared/identity-deps';

/**
 * `PATCH /account/password` (TFC-API §2.3). Cheap checks first (confirmation, policy), then the current password
 * (one hash), then the new hash. `PasswordChanged` (reason `changed`) makes the token service end other sessions
 * as it sees fit.
 */
export const changePassword = async (
  deps: IdentityDeps,
  request: ChangePasswordRequest,
): Promise<AccountView> => {
  assertActsAs(request.meta, request.userId);
  const account = await loadLiveAccount(deps.store, request.userId);
  if (account.status === 'suspended') throw new AccountSuspended();
  if (request.password !== request.passwordConfirmation) throw new PasswordConfirmationMismatch();
  assertPasswordAcceptable(request.password, { username: account.username, email: account.email });
  if (!(await deps.hasher.verify(account.passwordHash, request.currentPassword)))
    throw new InvalidCurrentPassword();

  const passwordHash = await deps.hasher.hash(request.password);
  const now = deps.clock.now();
  const result = await handleAccountCommand(
    deps.store,
    request.userId,
    { type: 'ChangePassword', data: { currentPasswordValid: true, passwordHash, now: now.toISOString() } },
    commandMetadata(request.meta, now),
  );
  await deps.accounts.catchUp(); // like every account write that replies with the account
  return toAccountView(result.state as LiveAccount);
};
