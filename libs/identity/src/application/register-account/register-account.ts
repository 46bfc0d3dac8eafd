import type { AccountView, RegisterAccountRequest } from '@idp/contracts';
import { IDENTITY_SEAL_CONTEXT } from '@idp/contracts';
import { parseEmail, parseUsername } from '../../domain/account/account.values';
import { assertPasswordAcceptable } from '../../domain/password';
import { accountStream } from '../../domain/account/account.decider';
import {
  commandMetadata,
  handleAccountCommand,
  toAccountView,
  type LiveAccount,
} from '../shared/account-store';
import { invitationProvenBy } from '../invitations/invitation-token';
import { Claims } from '../shared/claims';
import type { IdentityDeps } from '../shared/identity-deps';
import { EMAIL_CONFIRMATION_TTL_MS, issueLinkToken } from '../shared/link-token';

/**
 * Sign-up (`POST /account/create`). Cheap checks first (username and e-mail rules, password policy), then the
 * uniqueness claims for the new user id, then the expensive hash, then the account stream. Of concurrent sign-ups
 * for one username (or e-mail, compared case-insensitively) exactly one gets past its claim; the others fail with
 * `UNIQUENESS.USERNAME_TAKEN` / `UNIQUENESS.EMAIL_TAKEN` before hashing anything. Any failure after a claim
 * releases what was claimed (see `Claims` for a release that fails).
 *
 * With an `invitationToken` that proves a pending invitation of this very address (known from
 * `membership.events`, not expired, e-mail equal case-insensitively: `invitationProvenBy`), the e-mail counts as
 * confirmed (the token was mailed to it; no confirmation is requested) and `AccountRegistered` names the invitation,
 * which the membership service then accepts for the new account. Any other token (unknown, expired, for another
 * address, malformed) makes an ordinary sign-up, without an error: the invitation stays pending, to be accepted
 * once the address is confirmed.
 */
export const registerAccount = async (
  deps: IdentityDeps,
  request: RegisterAccountRequest,
): Promise<AccountView> => {
  const username = parseUsername(request.username);
  const email = parseEmail(request.email);
  assertPasswordAcceptable(request.password, { username, email });

  const userId = deps.userIds.next();
  const claims = new Claims(deps.guard, userId, deps.logger);
  let appending = false;
  let account: LiveAccount;
  try {
    await claims.claim('username', username);
    await claims.claim('email', email);
    const passwordHash = await deps.hasher.hash(request.password);
    const now = deps.clock.now();
    const invitation = request.invitationToken
      ? await invitationProvenBy(deps.invitations, request.invitationToken, email, now)
      : undefined;
    const confirmation = invitation
      ? undefined
      : issueLinkToken(
          deps.secretBox,
          userId,
          IDENTITY_SEAL_CONTEXT.emailConfirmation,
          now,
          EMAIL_CONFIRMATION_TTL_MS,
        ).pending;
    appending = true;
    const result = await handleAccountCommand(
      deps.store,
      userId,
      {
        type: 'RegisterAccount',
        data: {
          userId,
          username,
          email,
          passwordHash,
          emailConfirmed: invitation !== undefined,
          ...(confirmation && { confirmation }),
          ...(invitation && { invitation }),
          now: now.toISOString(),
        },
      },
      commandMetadata(request.meta, now),
    );
    account = result.state as LiveAccount;
  } catch (err) {
    // An append can fail after it committed (connection lost before the reply): release only what is certainly
    // not in use, so that a failure can cost a name its availability, never its uniqueness.
    if (!appending || (await accountCertainlyAbsent(deps, userId))) await claims.releaseAll();
    throw err;
  }
  // The next `get-account` of this user (after its first login) reads the `accounts` read model.
  await deps.accounts.catchUp();
  return toAccountView(account);
};

const accountCertainlyAbsent = async (deps: IdentityDeps, userId: string): Promise<boolean> => {
  try {
    return (await deps.store.readStream(accountStream(userId))).length === 0;
  } catch {
    deps.logger.error('identity: sign-up failed and its outcome is unknown; its reservations are kept', {
      owner: userId,
    });
    return false;
  }
};
