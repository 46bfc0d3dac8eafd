import { DomainError } from '@idp/eventing';

/**
 * Login failed. One error for an unknown login, a wrong password and a suspended account, so the answer never
 * tells which logins exist (the gateway maps it to 401).
 */
export class InvalidCredentials extends DomainError {
  constructor() {
    super('AUTH.INVALID_CREDENTIALS', 'Invalid login or password');
  }
}

export class PasswordConfirmationMismatch extends DomainError {
  constructor() {
    super('PASSWORD.CONFIRMATION_MISMATCH', "Password confirmation doesn't match Password", {
      attribute: 'password_confirmation',
    });
  }
}
