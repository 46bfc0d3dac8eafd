import { z } from 'zod';
import { jsonApiBody } from '../validation/json-api-body';
import { password } from './account-input';

/**
 * Edge validation of the two-factor routes (TFC-API §15): shapes and bounds. Meaning (E.164, the code itself) is
 * the identity service's, which answers 422s pointing at the attribute.
 */
const TYPES = ['two-factor-settings', 'users', 'sessions'];
const code = z.string().trim().min(1).max(64);

export const enrolTwoFactorBody = jsonApiBody({
  type: ['two-factor-settings', 'users'],
  allowEmptyType: true,
  attributes: z.object({
    delivery: z.enum(['app', 'sms']),
    smsNumber: z.string().trim().min(1).max(32).optional(),
  }),
});

export const twoFactorCodeBody = jsonApiBody({
  type: TYPES,
  allowEmptyType: true,
  attributes: z.object({ code }),
});

export const recoveryCodeBody = jsonApiBody({
  type: TYPES,
  allowEmptyType: true,
  attributes: z.object({ recoveryCode: code }),
});

export const twoFactorPasswordBody = jsonApiBody({
  type: TYPES,
  allowEmptyType: true,
  attributes: z.object({ password }),
});
