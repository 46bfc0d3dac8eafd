import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import type { z } from 'zod';
import {
  adminListUsersRequest,
  adminUserActionRequest,
  authenticateRequest,
  changePasswordRequest,
  completePasswordResetRequest,
  confirmEmailRequest,
  createInitialAdminRequest,
  IDENTITY,
  registerAccountRequest,
  requestPasswordResetRequest,
  retrieveIactRequest,
  startTwoFactorEnrolmentRequest,
  TWO_FACTOR,
  twoFactorCodeRequest,
  twoFactorPasswordRequest,
  twoFactorRecoveryCodeRequest,
  twoFactorUserRequest,
  updateAccountRequest,
  userRequest,
} from '@idp/contracts';
import { answerAsRpc } from '@idp/eventing';
import { getAccount, getUser } from './application/account/get-account';
import { adminGetUser, adminListUsers, adminUserAction } from './application/admin/admin-users';
import { authenticate } from './application/authenticate/authenticate';
import { changePassword } from './application/change-password/change-password';
import { confirmEmail, resendConfirmation } from './application/confirm-email/confirm-email';
import { createInitialAdmin, retrieveIact } from './application/iact/initial-admin';
import { completePasswordReset, requestPasswordReset } from './application/password-reset/password-reset';
import { registerAccount } from './application/register-account/register-account';
import type { IdentityDeps } from './application/shared/identity-deps';
import { updateAccount } from './application/update-account/update-account';
import * as twoFactor from './application/two-factor/two-factor';

export const IDENTITY_DEPS = Symbol('IDENTITY_DEPS');

/** A payload that does not match its contract: never reaches a use case. */
export const requestInvalid = (error: z.ZodError) =>
  new RpcException({
    code: 'REQUEST.INVALID',
    message: 'The request does not match its schema',
    // Paths and messages only: zod does not echo input values, so no password can come back in an error.
    details: {
      issues: error.issues.map((i) => ({
        path: i.path.map(String).join('.'),
        code: i.code,
        message: i.message,
      })),
    },
  });

/**
 * Runs one use case for one message: payload validated against the contract's schema (`REQUEST.INVALID`), broken
 * rules (`DomainError`) answered with their stable code, anything else left to propagate as an internal error.
 */
const handle = async <S extends z.ZodType, R>(
  schema: S,
  payload: unknown,
  useCase: (request: z.infer<S>) => Promise<R>,
): Promise<R> => {
  const parsed = schema.safeParse(payload);
  if (!parsed.success) throw requestInvalid(parsed.error);
  return answerAsRpc(() => useCase(parsed.data));
};

/** The identity service's request-reply patterns (`IDENTITY`), one handler per use case. */
@Controller()
export class IdentityController {
  constructor(@Inject(IDENTITY_DEPS) private readonly deps: IdentityDeps) {}

  @MessagePattern(IDENTITY.registerAccount)
  registerAccount(@Payload() payload: unknown) {
    return handle(registerAccountRequest, payload, (r) => registerAccount(this.deps, r));
  }

  @MessagePattern(IDENTITY.authenticate)
  authenticate(@Payload() payload: unknown) {
    return handle(authenticateRequest, payload, (r) => authenticate(this.deps, r));
  }

  @MessagePattern(IDENTITY.confirmEmail)
  confirmEmail(@Payload() payload: unknown) {
    return handle(confirmEmailRequest, payload, (r) => confirmEmail(this.deps, r));
  }

  @MessagePattern(IDENTITY.resendConfirmation)
  resendConfirmation(@Payload() payload: unknown) {
    return handle(userRequest, payload, (r) => resendConfirmation(this.deps, r));
  }

  @MessagePattern(IDENTITY.getAccount)
  getAccount(@Payload() payload: unknown) {
    return handle(userRequest, payload, (r) => getAccount(this.deps, r));
  }

  @MessagePattern(IDENTITY.getUser)
  getUser(@Payload() payload: unknown) {
    return handle(userRequest, payload, (r) => getUser(this.deps, r));
  }

  @MessagePattern(IDENTITY.updateAccount)
  updateAccount(@Payload() payload: unknown) {
    return handle(updateAccountRequest, payload, (r) => updateAccount(this.deps, r));
  }

  @MessagePattern(IDENTITY.changePassword)
  changePassword(@Payload() payload: unknown) {
    return handle(changePasswordRequest, payload, (r) => changePassword(this.deps, r));
  }

  @MessagePattern(IDENTITY.requestPasswordReset)
  requestPasswordReset(@Payload() payload: unknown) {
    return handle(requestPasswordResetRequest, payload, (r) => requestPasswordReset(this.deps, r));
  }

  @MessagePattern(IDENTITY.completePasswordReset)
  completePasswordReset(@Payload() payload: unknown) {
    return handle(completePasswordResetRequest, payload, (r) => completePasswordReset(this.deps, r));
  }

  @MessagePattern(IDENTITY.retrieveIact)
  retrieveIact(@Payload() payload: unknown) {
    return handle(retrieveIactRequest, payload, (r) => retrieveIact(this.deps, r));
  }

  @MessagePattern(IDENTITY.adminListUsers)
  adminListUsers(@Payload() payload: unknown) {
    return handle(adminListUsersRequest, payload, (r) => adminListUsers(this.deps, r));
  }

  @MessagePattern(IDENTITY.adminGetUser)
  adminGetUser(@Payload() payload: unknown) {
    return handle(userRequest, payload, (r) => adminGetUser(this.deps, r));
  }

  @MessagePattern(IDENTITY.adminUserAction)
  adminUserAction(@Payload() payload: unknown) {
    return handle(adminUserActionRequest, payload, (r) => adminUserAction(this.deps, r));
  }

  @MessagePattern(IDENTITY.createInitialAdmin)
  createInitialAdmin(@Payload() payload: unknown) {
    return handle(createInitialAdminRequest, payload, (r) => createInitialAdmin(this.deps, r));
  }

  @MessagePattern(IDENTITY.adminDisableTwoFactor)
  adminDisableTwoFactor(@Payload() payload: unknown) {
    return handle(userRequest, payload, (r) => twoFactor.adminDisableTwoFactor(this.deps, r));
  }

  @MessagePattern(TWO_FACTOR.startEnrolment)
  startTwoFactorEnrolment(@Payload() payload: unknown) {
    return handle(startTwoFactorEnrolmentRequest, payload, (r) =>
      twoFactor.startTwoFactorEnrolment(this.deps, r),
    );
  }

  @MessagePattern(TWO_FACTOR.enable)
  enableTwoFactor(@Payload() payload: unknown) {
    return handle(twoFactorCodeRequest, payload, (r) => twoFactor.enableTwoFactor(this.deps, r));
  }

  @MessagePattern(TWO_FACTOR.sendSmsCode)
  sendTwoFactorSmsCode(@Payload() payload: unknown) {
    return handle(twoFactorUserRequest, payload, (r) => twoFactor.sendTwoFactorSmsCode(this.deps, r));
  }

  @MessagePattern(TWO_FACTOR.verifyCode)
  verifyTwoFactorCode(@Payload() payload: unknown) {
    return handle(twoFactorCodeRequest, payload, (r) => twoFactor.verifyTwoFactorCode(this.deps, r));
  }

  @MessagePattern(TWO_FACTOR.verifyRecoveryCode)
  verifyRecoveryCode(@Payload() payload: unknown) {
    return handle(twoFactorRecoveryCodeRequest, payload, (r) => twoFactor.verifyRecoveryCode(this.deps, r));
  }

  @MessagePattern(TWO_FACTOR.regenerateRecoveryCodes)
  regenerateRecoveryCodes(@Payload() payload: unknown) {
    return handle(twoFactorPasswordRequest, payload, (r) => twoFactor.regenerateRecoveryCodes(this.deps, r));
  }

  @MessagePattern(TWO_FACTOR.disable)
  disableTwoFactor(@Payload() payload: unknown) {
    return handle(twoFactorPasswordRequest, payload, (r) => twoFactor.disableTwoFactor(this.deps, r));
  }
}
