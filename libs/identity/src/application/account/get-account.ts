import type { AccountView, UserRequest, UserView } from '@idp/contracts';
import { assertActsAs, loadLiveAccount, toAccountView, toUserView } from '../shared/account-store';
import type { IdentityDeps } from '../shared/identity-deps';

/**
 * `GET /account/details`: the caller's own account, folded from its stream, so a change is visible in the very
 * next request (read-your-writes), whatever the read models' lag.
 */
export const getAccount = async (deps: IdentityDeps, request: UserRequest): Promise<AccountView> => {
  assertActsAs(request.meta, request.userId);
  return toAccountView(await loadLiveAccount(deps.store, request.userId));
};

/** `GET /users/:id`: the public projection (never the e-mail); `ACCOUNT.NOT_FOUND` for unknown or deleted users. */
export const getUser = async (deps: IdentityDeps, request: UserRequest): Promise<UserView> =>
  toUserView(await loadLiveAccount(deps.store, request.userId));
