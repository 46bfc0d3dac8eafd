import type {
  AccountView,
  CreateInitialAdminRequest,
  RetrieveIactRequest,
  RetrieveIactResult,
} from '@idp/contracts';
import { fold, handleCommand, newLinkToken, sameDigest, sha256Hex } from '@idp/eventing';
import { accountStream } from '../../domain/account/account.decider';
import { parseEmail, parseUsername } from '../../domain/account/account.values';
import {
  type IactEvent,
  iactDecider,
  type IactState,
  iactStream,
  InitialAdminTokenNotAvailable,
  InvalidInitialAdminToken,
} from '../../domain/iact/iact.decider';
import { assertPasswordAcceptable } from '../../domain/password';
import {
  commandMetadata,
  handleAccountCommands,
  type LiveAccount,
  loadAccount,
  toAccountView,
} from '../shared/account-store';
import { Claims } from '../shared/claims';
import type { IactPrinter, IdentityDeps } from '../shared/identity-deps';

/** SecretBox context of the sealed IACT. */
export const IACT_SEAL_CONTEXT = 'initial-admin-token';

const loadIact = async (deps: IdentityDeps): Promise<IactState> =>
  fold(iactDecider, (await deps.store.readStream(iactStream)) as unknown as IactEvent[]);

/**
 * At start: issues the IACT unless one is pending or the initial admin exists, and prints it ONCE (only the
 * replica whose append wins prints; a restart with a pending token prints nothing: `retrieve-iact` has it).
 * Returns whether a token was issued.
 */
export const issueInitialAdminToken = async (deps: IdentityDeps, printer: IactPrinter): Promise<boolean> => {
  const state = await loadIact(deps);
  if (state.status === 'issued') return false;
  let adminExists = false;
  if (state.status === 'used') {
    const consumer = await loadAccount(deps.store, state.userId);
    adminExists = (consumer.status === 'active' || consumer.status === 'suspended') && consumer.isSiteAdmin;
    if (adminExists) return false;
  }
  const token = newLinkToken();
  const result = await handleCommand(deps.store, iactStream, iactDecider, {
    type: 'IssueInitialAdminToken',
    data: {
      tokenHash: sha256Hex(token),
      sealedToken: deps.secretBox.seal(token, IACT_SEAL_CONTEXT),
      adminExists,
      now: deps.clock.now().toISOString(),
    },
    metadata: { actor: { kind: 'system', id: 'identity' } },
  });
  if (!result.events.length) return false;
  printer.print(token);
  return true;
};

/** `GET /admin/retrieve-iact` (the gateway allows it from loopback only): the token while it is unused. */
export const retrieveIact = async (
  deps: IdentityDeps,
  _request: RetrieveIactRequest,
): Promise<RetrieveIactResult> => {
  const state = await loadIact(deps);
  if (state.status !== 'issued') throw new InitialAdminTokenNotAvailable();
  return { token: deps.secretBox.open(state.sealedToken, IACT_SEAL_CONTEXT) };
};

/**
 * `POST /admin/initial-admin-user?token=<IACT>`: the first site admin, e-mail confirmed.
 *
 * Everything that can be refused is checked before the token is spent (token, username, e-mail, policy, claims,
 * hash). Then the token is consumed on the `iact` stream with the expected revision: of concurrent calls exactly
 * one wins, the others get `IACT.INVALID` and release their claims. The account is then registered and made site
 * admin in ONE append. Should that append fail, the token is reopened for the next try (and if even that fails, the
 * next start sees a consumed token without an admin and issues a new one).
 */
export const createInitialAdmin = async (
  deps: IdentityDeps,
  request: CreateInitialAdminRequest,
): Promise<AccountView> => {
  const username = parseUsername(request.username);
  const email = parseEmail(request.email);
  const tokenHash = sha256Hex(request.token.trim());
  const iact = await loadIact(deps);
  if (iact.status !== 'issued' || !sameDigest(iact.tokenHash, tokenHash))
    throw new InvalidInitialAdminToken();
  assertPasswordAcceptable(request.password, { username, email });

  const userId = deps.userIds.next();
  const claims = new Claims(deps.guard, userId, deps.logger);
  const now = deps.clock.now();
  const metadata = commandMetadata(request.meta, now);
  let consumed = false;
  let account: LiveAccount;
  try {
    await claims.claim('username', username);
    await claims.claim('email', email);
    const passwordHash = await deps.hasher.hash(request.password);
    await handleCommand(deps.store, iactStream, iactDecider, {
      type: 'ConsumeInitialAdminToken',
      data: { tokenHash, userId, now: now.toISOString() },
      metadata,
    });
    consumed = true;
    account = await handleAccountCommands(
      deps.store,
      userId,
      [
        {
          type: 'RegisterAccount',
          data: { userId, username, email, passwordHash, emailConfirmed: true, now: now.toISOString() },
        },
        { type: 'GrantSiteAdmin', data: {} },
      ],
      metadata,
    );
  } catch (err) {
    const absent = await deps.store
      .readStream(accountStream(userId))
      .then((events) => events.length === 0)
      .catch(() => false);
    if (absent) {
      if (consumed)
        await handleCommand(deps.store, iactStream, iactDecider, {
          type: 'ReopenInitialAdminToken',
          data: { userId, now: deps.clock.now().toISOString() },
          metadata,
        }).catch((reopenErr: unknown) =>
          deps.logger.error('identity: could not reopen the IACT; a new one is issued at the next start', {
            error: reopenErr instanceof Error ? reopenErr.message : String(reopenErr),
          }),
        );
      await claims.releaseAll();
    }
    throw err;
  }
  await deps.accounts.catchUp(); // read-your-writes for `get-account`
  return toAccountView(account);
};
