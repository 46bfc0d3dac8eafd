import { randomInt, timingSafeEqual } from 'node:crypto';
import {
  type AccountView,
  type Acknowledged,
  IDENTITY_SEAL_CONTEXT,
  type RecoveryCodesResult,
  type StartTwoFactorEnrolmentRequest,
  type TwoFactorCodeRequest,
  type TwoFactorEnabledResult,
  type TwoFactorEnrolment,
  type TwoFactorPasswordRequest,
  type TwoFactorRecoveryCodeRequest,
  type TwoFactorUserRequest,
  type UserRequest,
} from '@idp/contracts';
import { handleCommand } from '@idp/eventing';
import {
  AccountNotFound,
  type TwoFactorProof,
  type TwoFactorState,
} from '../../domain/account/account.decider';
import { newRecoveryCodes, recoveryCodeHash } from '../../domain/two-factor/recovery-codes';
import { matchingTimeStep, newTotpSecret, otpauthUri } from '../../domain/two-factor/totp';
import {
  twoFactorAttemptsStream,
  twoFactorThrottleDecider,
} from '../../domain/two-factor/two-factor-throttle.decider';
import {
  assertActsAs,
  commandMetadata,
  handleAccountCommand,
  handleAccountCommands,
  loadAccount,
  loadLiveAccount,
  readAccount,
} from '../shared/account-store';
import type { IdentityDeps } from '../shared/identity-deps';
import { KeyedMutex } from '../shared/keyed-mutex';

/** The `SecretBox` context of TOTP secrets: a value sealed for anything else cannot be opened as one. */
export const TOTP_SECRET_SEAL_CONTEXT = 'totp-secret';
/** Issuer shown by authenticator apps. */
export const TOTP_ISSUER = 'Terraform Platform';

const THROTTLE_RETRIES = 50;

/** A user's code attempts run one at a time in this process (the throttle's append makes it safe across replicas). */
const attemptLocks = new WeakMap<object, KeyedMutex>();
const locksFor = (store: object) => {
  let locks = attemptLocks.get(store);
  if (!locks) attemptLocks.set(store, (locks = new KeyedMutex()));
  return locks;
};

/** Records the attempt first (refused with `TWO_FACTOR.TOO_MANY_ATTEMPTS` past 5 a minute), then runs it. */
const throttled = <T>(deps: IdentityDeps, userId: string, attempt: () => Promise<T>): Promise<T> =>
  locksFor(deps.store).run(userId, async () => {
    await handleCommand(
      deps.store,
      twoFactorAttemptsStream(userId),
      twoFactorThrottleDecider(),
      { type: 'AdmitAttempt', data: { now: deps.clock.now().toISOString() } },
      { maxRetries: THROTTLE_RETRIES },
    );
    return attempt();
  });

const sameText = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * What a typed code proves against a secret or SMS code (sealed in the state): the decider then judges it against
 * the state it appends after (replay, expiry). A sealed value that does not open proves nothing.
 */
const proofOf = (
  deps: IdentityDeps,
  delivery: 'app' | 'sms' | null,
  sealedSecret: string | null,
  twoFactor: TwoFactorState,
  code: string,
  now: Date,
): TwoFactorProof => {
  if (delivery === 'sms') {
    const sent = twoFactor.smsCode;
    if (!sent) return { kind: 'sms', sealedCode: null };
    const clear = deps.secretBox.open(sent.sealedCode, IDENTITY_SEAL_CONTEXT.twoFactorSmsCode);
    return { kind: 'sms', sealedCode: sameText(clear, code.replace(/\s/g, '')) ? sent.sealedCode : null };
  }
  if (sealedSecret === null) return { kind: 'totp', timeStep: null };
  const secret = deps.secretBox.open(sealedSecret, TOTP_SECRET_SEAL_CONTEXT);
  return { kind: 'totp', timeStep: matchingTimeStep(secret, code, now.getTime()) };
};

const newSmsCode = (): string => String(randomInt(0, 1_000_000)).padStart(6, '0');

/**
 * `POST /account/two-factor`: a new enrolment (replacing a pending one). `app`: a fresh 160-bit secret, sealed into
 * the account stream, returned once with its `otpauth://` URI. `sms`: the number (E.164) and a first code sent.
 */
export const startTwoFactorEnrolment = async (
  deps: IdentityDeps,
  request: StartTwoFactorEnrolmentRequest,
): Promise<TwoFactorEnrolment> => {
  assertActsAs(request.meta, request.userId);
  const account = await loadLiveAccount(deps.store, request.userId);
  const now = deps.clock.now();
  const metadata = commandMetadata(request.meta, now);
  if (request.delivery === 'app') {
    const secret = newTotpSecret();
    await handleAccountCommand(
      deps.store,
      request.userId,
      {
        type: 'StartTwoFactorEnrolment',
        data: {
          delivery: 'app',
          smsNumber: null,
          sealedSecret: deps.secretBox.seal(secret, TOTP_SECRET_SEAL_CONTEXT),
          now: now.toISOString(),
        },
      },
      metadata,
    );
    return {
      delivery: 'app',
      status: 'pending',
      secret,
      otpauthUri: otpauthUri(secret, account.username, TOTP_ISSUER),
      smsNumber: null,
    };
  }
  const smsNumber = (request.smsNumber ?? '').replace(/[\s().-]/g, '');
  await handleAccountCommands(
    deps.store,
    request.userId,
    [
      {
        type: 'StartTwoFactorEnrolment',
        data: { delivery: 'sms', smsNumber, sealedSecret: null, now: now.toISOString() },
      },
      {
        type: 'SendTwoFactorSmsCode',
        data: {
          sealedCode: deps.secretBox.seal(newSmsCode(), IDENTITY_SEAL_CONTEXT.twoFactorSmsCode),
          now: now.toISOString(),
        },
      },
    ],
    metadata,
  );
  return { delivery: 'sms', status: 'pending', secret: null, otpauthUri: null, smsNumber };
};

/** Sends a fresh SMS code (pending SMS enrolment, or an SMS account logging in); 5/min and 10/h per user. */
export const sendTwoFactorSmsCode = async (
  deps: IdentityDeps,
  request: TwoFactorUserRequest,
): Promise<Acknowledged> => {
  assertActsAs(request.meta, request.userId);
  const now = deps.clock.now();
  await handleAccountCommand(
    deps.store,
    request.userId,
    {
      type: 'SendTwoFactorSmsCode',
      data: {
        sealedCode: deps.secretBox.seal(newSmsCode(), IDENTITY_SEAL_CONTEXT.twoFactorSmsCode),
        now: now.toISOString(),
      },
    },
    commandMetadata(request.meta, now),
  );
  return { ok: true };
};

/** `POST /account/actions/two-factor-enable`: the first correct code turns 2FA on; ten recovery codes, shown once. */
export const enableTwoFactor = (
  deps: IdentityDeps,
  request: TwoFactorCodeRequest,
): Promise<TwoFactorEnabledResult> => {
  assertActsAs(request.meta, request.userId);
  return throttled(deps, request.userId, async () => {
    const account = await loadLiveAccount(deps.store, request.userId);
    const now = deps.clock.now();
    const pending = account.twoFactor.pending;
    const proof = pending
      ? proofOf(deps, pending.delivery, pending.sealedSecret, account.twoFactor, request.code, now)
      : ({ kind: 'totp', timeStep: null } as const);
    const recoveryCodes = newRecoveryCodes();
    await handleAccountCommand(
      deps.store,
      request.userId,
      {
        type: 'EnableTwoFactor',
        data: { proof, recoveryCodeHashes: recoveryCodes.map(recoveryCodeHash), now: now.toISOString() },
      },
      commandMetadata(request.meta, now),
    );
    await deps.accounts.catchUp();
    return { account: await readAccount(deps, request.userId), recoveryCodes };
  });
};

/** The second step of a login with a code (app or SMS): accepted once; 5 attempts a minute. */
export const verifyTwoFactorCode = (
  deps: IdentityDeps,
  request: TwoFactorCodeRequest,
): Promise<Acknowledged> => {
  assertActsAs(request.meta, request.userId);
  return throttled(deps, request.userId, async () => {
    const account = await loadLiveAccount(deps.store, request.userId);
    const now = deps.clock.now();
    const { twoFactor } = account;
    const proof = proofOf(deps, twoFactor.delivery, twoFactor.sealedSecret, twoFactor, request.code, now);
    await handleAccountCommand(
      deps.store,
      request.userId,
      { type: 'VerifyTwoFactorCode', data: { proof, now: now.toISOString() } },
      commandMetadata(request.meta, now),
    );
    return { ok: true };
  });
};

/** The second step of a login with a recovery code: each works once; attempts count like codes. */
export const verifyRecoveryCode = (
  deps: IdentityDeps,
  request: TwoFactorRecoveryCodeRequest,
): Promise<Acknowledged> => {
  assertActsAs(request.meta, request.userId);
  return throttled(deps, request.userId, async () => {
    const now = deps.clock.now();
    await handleAccountCommand(
      deps.store,
      request.userId,
      {
        type: 'UseRecoveryCode',
        data: { codeHash: recoveryCodeHash(request.recoveryCode), now: now.toISOString() },
      },
      commandMetadata(request.meta, now),
    );
    return { ok: true };
  });
};

const passwordValid = async (deps: IdentityDeps, userId: string, password: string): Promise<boolean> => {
  const account = await loadLiveAccount(deps.store, userId);
  return deps.hasher.verify(account.passwordHash, password);
};

/** A new set of ten recovery codes (password required); the old set stops working. */
export const regenerateRecoveryCodes = async (
  deps: IdentityDeps,
  request: TwoFactorPasswordRequest,
): Promise<RecoveryCodesResult> => {
  assertActsAs(request.meta, request.userId);
  const valid = await passwordValid(deps, request.userId, request.password);
  const now = deps.clock.now();
  const recoveryCodes = newRecoveryCodes();
  await handleAccountCommand(
    deps.store,
    request.userId,
    {
      type: 'RegenerateRecoveryCodes',
      data: {
        passwordValid: valid,
        recoveryCodeHashes: recoveryCodes.map(recoveryCodeHash),
        now: now.toISOString(),
      },
    },
    commandMetadata(request.meta, now),
  );
  return { recoveryCodes };
};

/** Turns 2FA off (password required). Organization policies are the gateway's check, before this. */
export const disableTwoFactor = async (
  deps: IdentityDeps,
  request: TwoFactorPasswordRequest,
): Promise<AccountView> => {
  assertActsAs(request.meta, request.userId);
  const valid = await passwordValid(deps, request.userId, request.password);
  const now = deps.clock.now();
  await handleAccountCommand(
    deps.store,
    request.userId,
    { type: 'DisableTwoFactor', data: { by: 'user', passwordValid: valid, now: now.toISOString() } },
    commandMetadata(request.meta, now),
  );
  await deps.accounts.catchUp();
  return readAccount(deps, request.userId);
};

/**
 * Site administration (TFC-API §10, `disable_two_factor`): only an active site admin (or the platform) may; anyone
 * else gets `ACCOUNT.NOT_FOUND`, as for an unknown user. `TWO_FACTOR.NOT_ENABLED` when it is off.
 */
export const adminDisableTwoFactor = async (
  deps: IdentityDeps,
  request: UserRequest,
): Promise<AccountView> => {
  const actor = request.meta.actor;
  if (actor?.kind !== 'system') {
    if (actor?.kind !== 'user') throw new AccountNotFound();
    const admin = await loadAccount(deps.store, actor.id);
    if (admin.status !== 'active' || !admin.isSiteAdmin) throw new AccountNotFound();
  }
  const now = deps.clock.now();
  await handleAccountCommand(
    deps.store,
    request.userId,
    { type: 'DisableTwoFactor', data: { by: 'admin', now: now.toISOString() } },
    commandMetadata(request.meta, now),
  );
  await deps.accounts.catchUp();
  return readAccount(deps, request.userId);
};
