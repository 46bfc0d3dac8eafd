import { DomainError } from '@idp/eventing';

/**
 * Usernames as Terraform Cloud allows them: letters, digits, `-` and `_`, 1-50 characters. Names starting with
 * `api-` are reserved for the synthetic service users of team and organization tokens.
 */
export const USERNAME_PATTERN = /^[A-Za-z0-9_-]{1,50}$/;
export const MAX_EMAIL_LENGTH = 254;

export class InvalidUsername extends DomainError {
  constructor(reason: string) {
    super('ACCOUNT.INVALID_USERNAME', `Username ${reason}`, { attribute: 'username' });
  }
}

export class InvalidEmail extends DomainError {
  constructor(reason: string) {
    super('ACCOUNT.INVALID_EMAIL', `Email ${reason}`, { attribute: 'email' });
  }
}

/** Checks a username; returns it unchanged (case is kept for display, uniqueness ignores it). */
export const parseUsername = (value: unknown): string => {
  if (typeof value !== 'string' || value.length === 0) throw new InvalidUsername("can't be blank");
  if (value.length > 50) throw new InvalidUsername('is too long (maximum is 50 characters)');
  if (!USERNAME_PATTERN.test(value))
    throw new InvalidUsername('may only contain letters, numbers, dashes and underscores');
  if (/^api-/i.test(value)) throw new InvalidUsername('is reserved');
  return value;
};

// Deliberately plain: one @, a dot-separated domain with a TLD, no spaces or control characters. Deliverability
// is proven by the confirmation e-mail, not by a regular expression.
const EMAIL_PATTERN = /^[^\s@\p{Cc}]+@(?:[^\s@.\p{Cc}]+\.)+[^\s@.\p{Cc}]{2,}$/u;

/** Checks an e-mail address; returns it trimmed, with the domain lower-cased (the local part is kept as typed). */
export const parseEmail = (value: unknown): string => {
  if (typeof value !== 'string' || value.trim().length === 0) throw new InvalidEmail("can't be blank");
  const email = value.trim().normalize('NFC');
  if (email.length > MAX_EMAIL_LENGTH)
    throw new InvalidEmail(`is too long (maximum is ${MAX_EMAIL_LENGTH} characters)`);
  if (!EMAIL_PATTERN.test(email)) throw new InvalidEmail('is invalid');
  const at = email.lastIndexOf('@');
  return `${email.slice(0, at)}@${email.slice(at + 1).toLowerCase()}`;
};
