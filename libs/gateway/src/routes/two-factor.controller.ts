import { MEMBERSHIP, TOKEN, TWO_FACTOR, type TwoFactorEnrolment } from '@idp/contracts';
import { Delete, HttpCode, HttpStatus, Inject, Post, Req, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { toDataURL } from 'qrcode';
import { CREDENTIAL_CACHE } from '../auth/auth.tokens';
import type { CredentialCache } from '../auth/credential-cache';
import { owesSecondFactor, TwoFactorStep } from '../auth/two-factor-step';
import { ServiceClient } from '../bus/service-client';
import { JsonApiException, notFound } from '../errors/json-api-error';
import { resetSeconds } from '../rate-limit/rate-limit-headers';
import { clientNetwork } from '../rate-limit/rate-limit-key';
import { TokenBucketLimiter } from '../rate-limit/token-bucket';
import { JsonApiController } from '../http/json-api-controller';
import {
  CurrentContext,
  CurrentPrincipal,
  type Principal,
  type RequestContext,
  requestContextOf,
  userIdOf,
} from '../http/request-context';
import { singleDocument } from '../jsonapi/document';
import { resource } from '../jsonapi/resource';
import { toTimestamp } from '../jsonapi/timestamp';
import { type JsonApiInput, JsonApiBody } from '../validation/json-api-body';
import { ApiJsonApiBody } from '../validation/openapi';
import { NoStore } from './no-store';
import {
  enrolTwoFactorBody,
  recoveryCodeBody,
  twoFactorCodeBody,
  twoFactorPasswordBody,
} from './two-factor-input';

/**
 * TFC-API §1.8: routes that text a code allow 100 a day per client address (IPv6: per /64), on top of identity's
 * per-user limits (5 a minute, 10 an hour). Kept in this process's memory: with R gateway replicas an address may
 * send up to R × 100 (the per-user limits, decided in identity's store, hold exactly).
 */
export const SMS_PER_ADDRESS_PER_DAY = 100;
const smsPerAddress = new TokenBucketLimiter({
  ratePerSecond: SMS_PER_ADDRESS_PER_DAY / 86_400,
  burst: SMS_PER_ADDRESS_PER_DAY,
  maxKeys: 100_000,
  now: () => Date.now(),
});

/** Draws one SMS from the client address's daily budget: 429 `TWO_FACTOR.SMS_LIMIT` when it is spent. */
const drawSmsBudget = (request: FastifyRequest): void => {
  const decision = smsPerAddress.take(clientNetwork(requestContextOf(request).ip));
  if (!decision.allowed)
    throw new JsonApiException(
      429,
      [
        {
          code: 'TWO_FACTOR.SMS_LIMIT',
          detail: 'Too many SMS codes sent from this address today; retry later.',
        },
      ],
      { headers: { 'X-RateLimit-Reset': resetSeconds(decision.retryAfterMs) } },
    );
};

/** Shown with an SMS enrolment (the issue: SMS is offered with the warning that it is the weaker method). */
export const SMS_WARNING =
  'SMS is the weaker second factor: text messages can be intercepted or redirected (SIM swapping). ' +
  'Prefer an authenticator app.';

const enrolmentResource = async (userId: string, enrolment: TwoFactorEnrolment) =>
  resource('two-factor-settings', userId, {
    delivery: enrolment.delivery,
    status: enrolment.status,
    smsNumber: enrolment.smsNumber,
    secret: enrolment.secret,
    otpauthUri: enrolment.otpauthUri,
    qrCode: enrolment.otpauthUri
      ? await toDataURL(enrolment.otpauthUri, { errorCorrectionLevel: 'M' })
      : null,
    ...(enrolment.delivery === 'sms' ? { warning: SMS_WARNING } : {}),
  });

/**
 * Two-factor settings of the caller's account (TFC-API §12, §15). Every answer is `no-store`: enrolment carries the
 * TOTP secret and enabling the recovery codes, each shown this once. Only a user's own session or token: an
 * organization or team token has no account (404).
 */
@ApiTags('two-factor')
@ApiBearerAuth()
@ApiCookieAuth()
@UseInterceptors(NoStore)
@JsonApiController('account')
export class AccountTwoFactorController {
  constructor(private readonly services: ServiceClient) {}

  @Post('two-factor')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary: 'Start a two-factor enrolment',
    description:
      '`delivery` app: 201 with `secret`, `otpauth-uri` and `qr-code` (a PNG data URI); sms: `sms-number` (E.164) ' +
      'receives a code, with the weaker-method `warning`. Nothing is enabled until a code is verified.',
  })
  @ApiJsonApiBody(enrolTwoFactorBody)
  async enrol(
    @CurrentPrincipal() principal: Principal,
    @CurrentContext() context: RequestContext,
    @JsonApiBody(enrolTwoFactorBody) body: JsonApiInput<typeof enrolTwoFactorBody>,
    @Req() request: FastifyRequest,
  ) {
    const userId = userIdOf(principal);
    const { delivery, smsNumber } = body.attributes;
    if (delivery === 'sms') drawSmsBudget(request);
    const enrolment = await this.services.request(
      TWO_FACTOR.startEnrolment,
      {
        userId,
        delivery,
        ...(smsNumber !== undefined ? { smsNumber } : {}),
      },
      { context },
    );
    return singleDocument(await enrolmentResource(userId, enrolment));
  }

  @Post('actions/two-factor-enable')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Enable two-factor authentication',
    description: 'With the first code: 200 with `enabled: true` and ten `recovery-codes`, shown this once.',
  })
  @ApiJsonApiBody(twoFactorCodeBody)
  async enable(
    @CurrentPrincipal() principal: Principal,
    @CurrentContext() context: RequestContext,
    @JsonApiBody(twoFactorCodeBody) body: JsonApiInput<typeof twoFactorCodeBody>,
  ) {
    const userId = userIdOf(principal);
    const { account, recoveryCodes } = await this.services.request(
      TWO_FACTOR.enable,
      {
        userId,
        code: body.attributes.code,
      },
      { context },
    );
    return singleDocument(
      resource('two-factor-settings', userId, {
        enabled: account.twoFactor.enabled,
        verified: account.twoFactor.verified,
        recoveryCodes,
      }),
    );
  }

  @Post('actions/two-factor-resend-verification-code')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Resend the SMS verification code',
    description: 'For a pending SMS enrolment; 5 a minute and 10 an hour per user (429 beyond).',
  })
  async resend(
    @CurrentPrincipal() principal: Principal,
    @CurrentContext() context: RequestContext,
    @Req() request: FastifyRequest,
  ): Promise<void> {
    drawSmsBudget(request);
    await this.services.request(TWO_FACTOR.sendSmsCode, { userId: userIdOf(principal) }, { context });
  }

  @Post('two-factor/recovery-codes')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary: 'Regenerate recovery codes',
    description: 'With the password: 201 with ten new codes; the old ones stop working.',
  })
  @ApiJsonApiBody(twoFactorPasswordBody)
  async regenerate(
    @CurrentPrincipal() principal: Principal,
    @CurrentContext() context: RequestContext,
    @JsonApiBody(twoFactorPasswordBody) body: JsonApiInput<typeof twoFactorPasswordBody>,
  ) {
    const userId = userIdOf(principal);
    const { recoveryCodes } = await this.services.request(
      TWO_FACTOR.regenerateRecoveryCodes,
      {
        userId,
        password: body.attributes.password,
      },
      { context },
    );
    return singleDocument(resource('two-factor-settings', userId, { recoveryCodes }));
  }

  @Delete('two-factor')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Disable two-factor authentication',
    description:
      'With the password. 422 while an organization the user owns requires two-factor authentication.',
  })
  @ApiJsonApiBody(twoFactorPasswordBody)
  async disable(
    @CurrentPrincipal() principal: Principal,
    @CurrentContext() context: RequestContext,
    @JsonApiBody(twoFactorPasswordBody) body: JsonApiInput<typeof twoFactorPasswordBody>,
  ): Promise<void> {
    const userId = userIdOf(principal);
    // The membership service knows the policies; asked as the platform (a system-only question).
    const { organizations } = await this.services.request(
      MEMBERSHIP.userOwnerships,
      { userId },
      { context, actor: { kind: 'system', id: 'gateway' } },
    );
    const requiring = organizations.filter((o) => o.twoFactorRequired).map((o) => o.name);
    if (requiring.length)
      throw new JsonApiException(422, [
        {
          code: 'TWO_FACTOR.REQUIRED_BY_ORGANIZATION',
          detail: `Two-factor authentication cannot be disabled while you own an organization that requires it: ${requiring.join(', ')}`,
        },
      ]);
    await this.services.request(
      TWO_FACTOR.disable,
      { userId, password: body.attributes.password },
      { context },
    );
  }
}

/**
 * The second step of a login (TFC-API §15): a session started by a password login of a 2FA account
 * (`two-factor-required: true`) can use only these routes and `DELETE /session` until a code, a recovery code or an
 * SMS code completes it. Completing upgrades that same session (same cookie, same token).
 */
@ApiTags('session')
@ApiBearerAuth()
@ApiCookieAuth()
@UseInterceptors(NoStore)
@JsonApiController('session')
export class SessionTwoFactorController {
  constructor(
    private readonly services: ServiceClient,
    @Inject(CREDENTIAL_CACHE) private readonly cache: CredentialCache,
  ) {}

  @Post('two-factor')
  @TwoFactorStep()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Complete a login with a two-factor code',
    description: 'From the app or the SMS. 5 attempts a minute per user (429 beyond); each code works once.',
  })
  @ApiJsonApiBody(twoFactorCodeBody)
  async code(
    @CurrentPrincipal() principal: Principal,
    @CurrentContext() context: RequestContext,
    @JsonApiBody(twoFactorCodeBody) body: JsonApiInput<typeof twoFactorCodeBody>,
  ) {
    const session = this.pendingSession(principal);
    await this.services.request(
      TWO_FACTOR.verifyCode,
      {
        userId: session.userId,
        code: body.attributes.code,
      },
      { context },
    );
    return this.complete(session, context);
  }

  @Post('two-factor-recovery')
  @TwoFactorStep()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Complete a login with a recovery code',
    description: 'Each recovery code works once.',
  })
  @ApiJsonApiBody(recoveryCodeBody)
  async recovery(
    @CurrentPrincipal() principal: Principal,
    @CurrentContext() context: RequestContext,
    @JsonApiBody(recoveryCodeBody) body: JsonApiInput<typeof recoveryCodeBody>,
  ) {
    const session = this.pendingSession(principal);
    await this.services.request(
      TWO_FACTOR.verifyRecoveryCode,
      {
        userId: session.userId,
        recoveryCode: body.attributes.recoveryCode,
      },
      { context },
    );
    return this.complete(session, context);
  }

  @Post('two-factor-send-sms')
  @TwoFactorStep()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Send a login code by SMS',
    description: 'SMS accounts only; 5 a minute per user.',
  })
  async sendSms(
    @CurrentPrincipal() principal: Principal,
    @CurrentContext() context: RequestContext,
    @Req() request: FastifyRequest,
  ): Promise<void> {
    const session = this.pendingSession(principal);
    drawSmsBudget(request);
    await this.services.request(TWO_FACTOR.sendSmsCode, { userId: session.userId }, { context });
  }

  /** Only a session that owes its second factor; anything else has nothing to complete here. */
  private pendingSession(principal: Principal): Extract<Principal, { kind: 'session' }> {
    if (principal.kind !== 'session') throw notFound();
    if (!owesSecondFactor(principal))
      throw new JsonApiException(400, [
        { code: 'SESSION.TWO_FACTOR_NOT_REQUIRED', detail: 'This session does not need a second factor' },
      ]);
    return principal;
  }

  private async complete(session: Extract<Principal, { kind: 'session' }>, context: RequestContext) {
    const { session: view } = await this.services.request(
      TOKEN.completeTwoFactor,
      {
        userId: session.userId,
        sessionId: session.sessionId,
      },
      { context },
    );
    // This replica forgets the restricted principal at once; the others on `SessionTwoFactorCompleted`.
    const hash = context.credentialHash;
    if (hash) this.cache.evictCredential(hash);
    this.cache.evictSession(session.sessionId);
    return singleDocument(
      resource('sessions', view.id, {
        expiresAt: toTimestamp(view.expiresAt),
        twoFactorRequired: false,
        createdAt: toTimestamp(view.createdAt),
      }),
    );
  }
}
