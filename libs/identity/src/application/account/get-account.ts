import type { AccountView, UserRequest, UserView } from '@idp/contracts';
import { assertActsAs, readAccount, userViewOf } from '../shared/account-store';
import type { IdentityDeps } from '../shared/identity-deps';

/**
 * `GET /account/details`: the caller's own account, from the `accounts` read model. Every write to an account waits
 * for that read model before it replies, so a change is visible in the very next request (read-your-writes).
 */
export const getAccount = async (deps: IdentityDeps, request: UserRequest): Promise<AccountView> => {
  assertActsAs(request.meta, request.userId);
  return readAccount(deps, request.userId);
};

/** `GET /users/:id`: the public projection (never the e-mail); `ACCOUNT.NOT_FOUND` for unknown or deleted users. */
export const getUser = async (deps: IdentityDeps, request: UserRequest): Promise<UserView> =>
  userViewOf(await readAccount(deps, request.userId));
