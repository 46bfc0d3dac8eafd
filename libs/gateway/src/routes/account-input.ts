import { z } from 'zod';
import { notFound } from '../errors/json-api-error';
import { jsonApiBody } from '../validation/json-api-body';

/**
 * Edge validation of the account routes: shapes and bounds only, plus the username alphabet (TFC: letters,
 * digits, `-`, `_`; ASCII only, so look-alike Unicode never reaches the service). The identity service checks
 * meaning (e-mail syntax, password policy, reserved names, uniqueness) and answers 422s with pointers itself.
 */
export const USERNAME_MAX = 50;
export const EMAIL_MAX = 254;
/** Far above any policy's maximum; only keeps megabyte passwords off the bus and away from the hasher. */
export const PASSWORD_MAX = 1024;
/** E-mailed link tokens, IACTs, invitation tokens. */
export const LINK_TOKEN_MAX = 512;

export const username = z
  .string()
  .min(1)
  .max(USERNAME_MAX)
  .regex(/^[A-Za-z0-9_-]*$/, 'may only contain letters, numbers, dashes and underscores');
export const email = z.string().trim().min(1).max(EMAIL_MAX);
export const password = z.string().min(1).max(PASSWORD_MAX);
export const linkToken = z.string().trim().min(1).max(LINK_TOKEN_MAX);

export const createAccountBody = jsonApiBody({
  type: 'users',
  attributes: z.object({
    username,
    email,
    password,
    invitationToken: linkToken.optional(),
  }),
});

export const confirmAccountBody = jsonApiBody({
  type: ['users', 'email-confirmations'],
  allowEmptyType: true,
  attributes: z.object({ token: linkToken }),
});

export const updateAccountBody = jsonApiBody({
  type: 'users',
  attributes: z.object({ username: username.optional(), email: email.optional() }),
});

export const changePasswordBody = jsonApiBody({
  type: 'users',
  case: 'snake',
  attributes: z.object({ currentPassword: password, password, passwordConfirmation: password }),
});

export const passwordResetBody = jsonApiBody({
  type: ['users', 'password-resets'],
  allowEmptyType: true,
  attributes: z.object({ email }),
});

export const completePasswordResetBody = jsonApiBody({
  type: ['users', 'password-resets'],
  allowEmptyType: true,
  case: 'snake',
  attributes: z.object({ token: linkToken, password, passwordConfirmation: password }),
});

export const createSessionBody = jsonApiBody({
  type: 'sessions',
  attributes: z.object({ login: z.string().trim().min(1).max(EMAIL_MAX), password }),
});

/** Plain JSON of `POST /admin/initial-admin-user` (TFE: `{username, email, password}`). */
export const initialAdminBody = z.object({ username, email, password });

const PATH_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** A resource id from the path: anything that cannot be an id is simply not found (no bus round trip). */
export const pathId = (value: string): string => {
  if (!PATH_ID.test(value)) throw notFound();
  return value;
};
