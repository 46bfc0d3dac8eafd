import { DomainError } from '@idp/eventing';
import { assessGuessability, foldLookAlike, matchingForm } from './password-guessability';
import { countCodePoints, hasLoneSurrogate, normalizePassword } from './password-normalization';

/** Stable, grep-able codes of the password rules; the gateway maps every `PASSWORD.*` code to 422. */
export type PasswordRuleCode =
  | 'PASSWORD.BLANK'
  | 'PASSWORD.TOO_SHORT'
  | 'PASSWORD.TOO_LONG'
  | 'PASSWORD.INVALID_CHARACTERS'
  | 'PASSWORD.CONTAINS_USERNAME'
  | 'PASSWORD.CONTAINS_EMAIL'
  | 'PASSWORD.TOO_COMMON'
  | 'PASSWORD.TOO_PREDICTABLE';

/** One broken rule, with the message Terraform Cloud's API would show (`detail` of a JSON:API error). */
export interface PasswordViolation {
  readonly code: PasswordRuleCode;
  readonly message: string;
}

export type PasswordCheck =
  { readonly ok: true } | { readonly ok: false; readonly violations: readonly PasswordViolation[] };

/** What the password must not be built from: the account's own identifiers (all optional). */
export interface PasswordContext {
  readonly username?: string;
  readonly email?: string;
}

export interface PasswordPolicyOptions {
  /** In code points of the NFC form. Terraform Cloud's minimum is 10. */
  readonly minLength: number;
  /** In code points of the NFC form; × 4 must not exceed `PASSWORD_MAX_BYTES`. */
  readonly maxLength: number;
}

export const DEFAULT_PASSWORD_POLICY: PasswordPolicyOptions = { minLength: 10, maxLength: 256 };

/** Identifiers shorter than this are refused only as the whole password (give or take digits/symbols around). */
const MIN_CONTAINED_IDENTIFIER = 4;
const SEPARATORS = /[\s._+-]/u;
const AFFIX = /^[\p{N}\p{P}\p{S}\s]$/u;

const violation = (code: PasswordRuleCode, message: string): PasswordViolation => ({ code, message });

/** Folded, separator-free forms of an identifier worth refusing: the whole, and each long-enough part. */
const identifierForms = (identifier: string): string[] => {
  const forms = new Set<string>();
  const parts: string[][] = [[]];
  // Separators are recognised before folding: '+' is a separator, not the letter t it folds onto.
  for (const c of matchingForm(identifier)) {
    if (SEPARATORS.test(c)) parts.push([]);
    else parts[parts.length - 1].push(foldLookAlike(c));
  }
  const whole = parts.flat().join('');
  if (whole) forms.add(whole);
  for (const part of parts) if (part.length >= MIN_CONTAINED_IDENTIFIER) forms.add(part.join(''));
  return [...forms];
};

/** Whether the password contains one of the identifiers (long ones), or is one give or take affixes (short ones). */
const buildsOn = (password: string, identifiers: string[]): boolean => {
  const raw = Array.from(matchingForm(password)).filter((c) => !SEPARATORS.test(c));
  const folded = raw.map(foldLookAlike);
  // Affixes are recognised before folding: '!' and '1' are affixes, not the letter i they fold onto.
  let start = 0;
  let end = raw.length;
  while (start < end && AFFIX.test(raw[start])) start++;
  while (end > start && AFFIX.test(raw[end - 1])) end--;
  const whole = folded.join('');
  const core = folded.slice(start, end).join('');
  return identifiers.some((identifier) =>
    countCodePoints(identifier) >= MIN_CONTAINED_IDENTIFIER
      ? whole.includes(identifier)
      : core === identifier,
  );
};

/** The e-mail's local part (before the last '@'), and without its `+tag` when it has one. */
const emailIdentifiers = (email: string): string[] => {
  const at = email.lastIndexOf('@');
  const local = at === -1 ? email : email.slice(0, at);
  const untagged = local.split('+')[0];
  return [...new Set([...identifierForms(local), ...identifierForms(untagged)])];
};

/**
 * Checks a new password against the platform's rules and lists every rule it breaks (empty list: acceptable):
 *
 * - `PASSWORD.BLANK`: only whitespace or invisible formatting characters;
 * - `PASSWORD.TOO_SHORT` / `PASSWORD.TOO_LONG`: fewer than `minLength` (10) or more than `maxLength` (256)
 *   characters, counted in Unicode code points of the normalised (NFC) form, as the hasher will see it: "é" typed
 *   as e + U+0301 is one character, 👍🏽 is two (emoji + skin-tone modifier);
 * - `PASSWORD.INVALID_CHARACTERS`: control characters (tab, newline, NUL…) or unpaired surrogates, which no
 *   keyboard produces and which would hash unreliably;
 * - `PASSWORD.CONTAINS_USERNAME` / `PASSWORD.CONTAINS_EMAIL`: contains the username, the e-mail's local part, or
 *   a part of either (split at `.`, `_`, `-`, `+`) of 4 characters or more, ignoring case, accents, look-alike
 *   characters and separators; an identifier shorter than 4 characters is refused only as the whole password give
 *   or take digits and symbols around it (`ada2024!!!` for `ada`), so that short names do not rule out words;
 * - `PASSWORD.TOO_COMMON` / `PASSWORD.TOO_PREDICTABLE`: see `assessGuessability`.
 *
 * Pure and synchronous; checked only when a password is set (registration, change, reset), never at login.
 */
export const checkPassword = (
  password: string,
  context: PasswordContext = {},
  options: PasswordPolicyOptions = DEFAULT_PASSWORD_POLICY,
): PasswordCheck => {
  const { minLength, maxLength } = options;
  // Bound the work before normalising. A code point is at most 2 UTF-16 units and NFC composes at most a few code
  // points (a base and its marks) into one, so more than 16 units per allowed character is too long in any form.
  if (password.length > maxLength * 16)
    return {
      ok: false,
      violations: [
        violation('PASSWORD.TOO_LONG', `Password is too long (maximum is ${maxLength} characters)`),
      ],
    };

  const normalized = normalizePassword(password);
  const length = countCodePoints(normalized);
  const violations: PasswordViolation[] = [];
  const blank = /^[\s\p{Cf}]*$/u.test(normalized);

  if (blank) violations.push(violation('PASSWORD.BLANK', "Password can't be blank"));
  if (length < minLength)
    violations.push(
      violation('PASSWORD.TOO_SHORT', `Password is too short (minimum is ${minLength} characters)`),
    );
  if (length > maxLength)
    violations.push(
      violation('PASSWORD.TOO_LONG', `Password is too long (maximum is ${maxLength} characters)`),
    );
  if (/\p{Cc}/u.test(normalized) || hasLoneSurrogate(normalized))
    violations.push(
      violation(
        'PASSWORD.INVALID_CHARACTERS',
        "Password can't contain control characters or invalid Unicode (such as tabs or line breaks)",
      ),
    );
  if (blank || length > maxLength) return { ok: false, violations };

  if (context.username && buildsOn(normalized, identifierForms(context.username)))
    violations.push(violation('PASSWORD.CONTAINS_USERNAME', "Password can't contain your username"));
  if (context.email && buildsOn(normalized, emailIdentifiers(context.email)))
    violations.push(
      violation('PASSWORD.CONTAINS_EMAIL', "Password can't contain parts of your email address"),
    );

  const guessability = assessGuessability(normalized);
  if (guessability === 'common')
    violations.push(
      violation('PASSWORD.TOO_COMMON', 'Password is too common (it is a frequently used password)'),
    );
  if (guessability === 'predictable')
    violations.push(
      violation(
        'PASSWORD.TOO_PREDICTABLE',
        'Password is too easy to guess (avoid keyboard patterns, sequences and repeated characters)',
      ),
    );

  return violations.length === 0 ? { ok: true } : { ok: false, violations };
};

/**
 * A password that breaks the policy. `code` and `message` are the first broken rule's; `details.violations` lists
 * them all, so the gateway can answer one JSON:API error per rule (pointer `/data/attributes/password`).
 */
export class InvalidPassword extends DomainError {
  constructor(readonly violations: readonly PasswordViolation[]) {
    super(violations[0]?.code ?? 'PASSWORD.INVALID', violations[0]?.message ?? 'Password is invalid', {
      attribute: 'password',
      violations,
    });
  }
}

/** `checkPassword`, throwing `InvalidPassword` when a rule is broken: for application handlers. */
export const assertPasswordAcceptable = (
  password: string,
  context: PasswordContext = {},
  options: PasswordPolicyOptions = DEFAULT_PASSWORD_POLICY,
): void => {
  const check = checkPassword(password, context, options);
  if (!check.ok) throw new InvalidPassword(check.violations);
};
