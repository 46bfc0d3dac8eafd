import { type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import { JsonApiException } from '../errors/json-api-error';
import type { Principal } from '../http/request-context';

/** Metadata key of `@TwoFactorStep()`. */
export const TWO_FACTOR_STEP = 'gateway:two-factor-step';

/**
 * Marks a route a session still owing its second factor may use (TFC-API §15: `POST /session/two-factor`,
 * `…/two-factor-recovery`, `…/two-factor-send-sms`, `DELETE /session`). Every other route refuses such a session.
 */
export const TwoFactorStep = (): MethodDecorator & ClassDecorator => SetMetadata(TWO_FACTOR_STEP, true);

/** A password login of a 2FA account, second factor not given yet. */
export const owesSecondFactor = (principal: Principal): boolean =>
  principal.kind === 'session' && principal.twoFactorPending === true;

/** 403 naming the way out, for a restricted session on any other route. */
export const twoFactorRequired = (): JsonApiException =>
  new JsonApiException(403, [
    {
      code: 'SESSION.TWO_FACTOR_REQUIRED',
      detail:
        'This session must complete two-factor authentication first: POST /api/v2/session/two-factor with a code, ' +
        'or /api/v2/session/two-factor-recovery with a recovery code',
    },
  ]);

/** Throws `twoFactorRequired()` unless the principal is complete or the route is a two-factor step. */
export const assertMayUseWithoutSecondFactor = (
  reflector: Reflector,
  context: ExecutionContext,
  principal: Principal,
): void => {
  if (!owesSecondFactor(principal)) return;
  const allowed = reflector.getAllAndOverride<boolean>(TWO_FACTOR_STEP, [
    context.getHandler(),
    context.getClass(),
  ]);
  if (!allowed) throw twoFactorRequired();
};
