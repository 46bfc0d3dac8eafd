import type { AuthenticateRequest, AuthenticateResult } from '@idp/contracts';
import { handleCommand, normaliseUniqueValue, sha256Hex } from '@idp/eventing';
import { type LoginThrottleCommand, loginThrottleDecider } from '../../domain/login/login-throttle.decider';
import { verifyAgainstDummy } from '../../domain/password';
import { commandMetadata, handleAccountCommand, loadAccount } from '../shared/account-store';
import { InvalidCredentials } from '../shared/errors';
import type { IdentityDeps } from '../shared/identity-deps';
import { KeyedMutex } from '../shared/keyed-mutex';

/** Failures of one login from several replicas may race on its stream; retries keep a burst from erroring. */
const THROTTLE_RETRIES = 50;

/**
 * Attempts on one login run one at a time in this process (per event store, i.e. per hosted identity service), so
 * parallel guesses each see the failures recorded before them. Across R replicas at most R run at once.
 */
const attemptLocks = new WeakMap<object, KeyedMutex>();
const locksFor = (store: object) => {
  let locks = attemptLocks.get(store);
  if (!locks) attemptLocks.set(store, (locks = new KeyedMutex()));
  return locks;
};

/** `login-<sha256 of the normalised login>`: unknown logins are throttled like real ones; the name reveals nothing. */
export const loginThrottleStream = (login: string) => `login-${sha256Hex(normaliseUniqueValue(login))}`;

/**
 * Password login (`POST /session`) by username or e-mail.
 *
 * 1. Attempts on one login are serialised in this process, and each is admitted against the failures recorded on
 *    the login's throttle stream BEFORE anything is verified (`LOGIN.LOCKED` with `retryAfterSeconds` when
 *    locked), so parallel guesses cannot all pass a lock they have not yet caused. A login with a clean record
 *    appends nothing: the throttle costs one stream read.
 * 2. The login is resolved through the uniqueness reservations (`ownerOf`): strongly consistent, no read model.
 * 3. Unknown login, deleted account, wrong password and suspended account all cost one hash verification and all
 *    answer `AUTH.INVALID_CREDENTIALS`. A suspended account's attempt counts as a failure even with the right
 *    password, so the throttle cannot serve as an oracle for it either.
 * 4. Success clears the failures; a hash made with outdated parameters is replaced (`PasswordChanged`, `rehashed`).
 */
export const authenticate = (deps: IdentityDeps, request: AuthenticateRequest): Promise<AuthenticateResult> =>
  locksFor(deps.store).run(loginThrottleStream(request.login), () => attempt(deps, request));

const attempt = async (deps: IdentityDeps, request: AuthenticateRequest): Promise<AuthenticateResult> => {
  const { login, password } = request;
  const throttle = loginThrottleDecider(deps.throttle);
  const stream = loginThrottleStream(login);
  const record = (type: LoginThrottleCommand['type']) =>
    handleCommand(
      deps.store,
      stream,
      throttle,
      { type, data: { now: deps.clock.now().toISOString() } },
      { maxRetries: THROTTLE_RETRIES },
    );

  await record('AdmitAttempt');

  const trimmed = login.trim();
  const owner = trimmed
    ? await deps.guard.ownerOf(trimmed.includes('@') ? 'email' : 'username', trimmed)
    : undefined;
  // Read an account stream either way, so that an unknown login does the same I/O as a known one.
  const account = await loadAccount(deps.store, owner ?? 'user-unknown');
  const live = account.status === 'active' || account.status === 'suspended' ? account : undefined;
  // A pending (unconfirmed) new address is reserved for its account but is not yet a login for it.
  const resolvesToAccount =
    live !== undefined &&
    (!trimmed.includes('@') || normaliseUniqueValue(live.email) === normaliseUniqueValue(trimmed));

  const valid =
    live && resolvesToAccount
      ? await deps.hasher.verify(live.passwordHash, password)
      : await verifyAgainstDummy(deps.hasher, password);

  if (!valid || !live || live.status === 'suspended') {
    await record('RecordFailure');
    throw new InvalidCredentials();
  }
  await record('RecordSuccess');

  if (deps.hasher.needsRehash(live.passwordHash)) {
    // The login succeeded whatever happens here: a failed rehash is retried at the next login.
    try {
      const now = deps.clock.now();
      await handleAccountCommand(
        deps.store,
        live.userId,
        {
          type: 'RehashPassword',
          data: { passwordHash: await deps.hasher.hash(password), now: now.toISOString() },
        },
        commandMetadata(request.meta, now),
      );
    } catch (err) {
      deps.logger.warn('identity: password rehash failed', {
        userId: live.userId,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }
  // A second factor is owed: the gateway starts a session that can do nothing but complete it.
  if (live.twoFactor.enabled && live.twoFactor.delivery)
    return { userId: live.userId, twoFactorRequired: true, twoFactorDelivery: live.twoFactor.delivery };
  return { userId: live.userId, twoFactorRequired: false };
};
