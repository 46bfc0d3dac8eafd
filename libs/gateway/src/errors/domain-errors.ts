import { escapePointer, INVALID_ATTRIBUTE, type JsonApiErrorObject, titleForStatus } from './json-api-error';
import { kebabCase } from '../jsonapi/keys';

/**
 * THE table from stable error code to HTTP status. Exact codes first, then whole infrastructure namespaces, then
 * rules on the code's last segment; a well-formed code matching nothing is a broken business rule: 422.
 */
export interface CodeRule {
  status: number;
  /** Attribute (wire name) the error is about, for `source.pointer`. */
  attribute?: string;
  /** Detail to show instead of the domain message (TFC's wording). */
  detail?: string;
  /** Title to show instead of the status's (TFC's wording, when a client matches it). */
  title?: string;
}

export const EXACT_CODES: Readonly<Record<string, CodeRule>> = {
  'UNIQUENESS.USERNAME_TAKEN': {
    status: 422,
    attribute: 'username',
    detail: 'Username has already been taken',
  },
  'UNIQUENESS.EMAIL_TAKEN': { status: 422, attribute: 'email', detail: 'Email has already been taken' },
  'UNIQUENESS.ORGANIZATION_TAKEN': { status: 422, attribute: 'name', detail: 'Name has already been taken' },
  'UNIQUENESS.NOT_OWNER': { status: 409 },
  // A command kept losing its optimistic-concurrency race after its retries: the client may simply retry.
  'EVENT_STORE.WRONG_EXPECTED_VERSION': {
    status: 409,
    detail: 'The resource was changed concurrently; retry',
  },
  'READ_STORE.CONFLICT': { status: 409, detail: 'The resource was changed concurrently; retry' },
  'BUS.CLOSED': { status: 503 },
  // Login: one answer for an unknown login, a wrong password and a suspended account (TFC-API §15).
  'AUTH.INVALID_CREDENTIALS': { status: 401 },
  'LOGIN.LOCKED': { status: 429 },
  // A stored hash the hasher cannot read is our fault, never the client's.
  'PASSWORD.HASH_MALFORMED': { status: 500 },
  // TFC-API §10: the admin actions' "already suspended", "not admin", … are 400s.
  'ACCOUNT.INVALID_TRANSITION': { status: 400 },
  // TFC-API §10: impersonating without a reason, or unimpersonating without impersonating, are 400s
  // (`IMPERSONATION.FORBIDDEN` is a 403 by rule; `ACCOUNT.LAST_SITE_ADMIN` a 422 by default).
  'IMPERSONATION.REASON_REQUIRED': { status: 400 },
  'IMPERSONATION.NOT_IMPERSONATING': { status: 400 },
  // TFC-API §9: naming users or memberships a team change cannot take (not in the organization, already on the
  // team, not on it) is a 400, not a 422 (there is no attribute to point at: the body is a list of identifiers).
  'TEAM.INVALID_MEMBERS': { status: 400 },
  // TFC-API §1.4's own example: the 422 points at the name, in Rails' words.
  'TEAM.NAME_TAKEN': { status: 422, attribute: 'name', detail: 'Name has already been taken' },
  // TFC-API §5.1: go-tfe compares "invalid attributes\n\nValidation failed: Description has already been taken".
  'TOKEN.DESCRIPTION_TAKEN': {
    status: 422,
    attribute: 'description',
    title: 'invalid attributes',
    detail: 'Validation failed: Description has already been taken',
  },
  // Accepting an invitation while already an active member: a broken rule, not a conflict to retry (the
  // `ALREADY_*` rule would say 409).
  'MEMBERSHIP.ALREADY_MEMBER': { status: 422 },
  // TFC-API §12: a member without 2FA in an organization that requires it is locked out of its resources until they
  // enable 2FA. A 403 with the code and the service's detail (which organization, how to enable 2FA): unlike a 404 it
  // tells the member why, and only members (who know the organization exists) ever get it.
  'ORGANIZATION.TWO_FACTOR_REQUIRED': { status: 403 },
  // TFC-API §5.4: a user token living longer than the organization's `user` token TTL policy allows may not act in it
  // (the token itself stays valid elsewhere): a 403 saying which maximum applies, never a 401 (which would make a
  // client drop a good token).
  'ORGANIZATION.TOKEN_TTL_EXCEEDED': { status: 403 },
  // TFC-API §5.4: creating a team or organization token whose `expired-at` is later than the organization's maximum
  // TTL for that token type allows.
  'TOKEN.EXPIRY_BEYOND_MAX_TTL': { status: 422, attribute: 'expired-at' },
  // Two-factor (TFC-API §10, §12): state transitions that do not apply are 400s ("2FA not enabled" is TFC's
  // documented admin answer); wrong codes are 422s on their attribute (the `INVALID*` rule); too many code attempts
  // or SMS sends are 429s with `X-RateLimit-Reset` (TFC-API §1.8).
  'TWO_FACTOR.NOT_ENABLED': { status: 400 },
  'TWO_FACTOR.ALREADY_ENABLED': { status: 400 },
  'TWO_FACTOR.NOT_PENDING': { status: 400 },
  'TWO_FACTOR.SMS_NOT_CONFIGURED': { status: 400 },
  'TWO_FACTOR.TOO_MANY_ATTEMPTS': { status: 429 },
  'TWO_FACTOR.SMS_LIMIT': { status: 429 },
};

/**
 * Errors of the platform's own libraries are never the client's fault: their codes map to 500 (logged, generic
 * body) unless an exact code or the `UNAVAILABLE` rule (503) says otherwise. Without this, `EVENT_STORE.INVALID_APPEND`
 * would pass for a 422 through the `INVALID*` rule.
 */
export const INFRASTRUCTURE_NAMESPACES: readonly string[] = [
  'EVENT_STORE',
  'READ_STORE',
  'BUS',
  'RELAY',
  'PROCESSED_EVENTS',
  'PROJECTION',
  'CONFIG',
];

/** Rules on the last segment of the code, in order. */
export const SUFFIX_RULES: ReadonlyArray<{
  test: (reason: string) => boolean;
  status: number;
  rule: string;
}> = [
  {
    rule: '*.NOT_FOUND, *_NOT_FOUND',
    status: 404,
    test: (r) => r === 'NOT_FOUND' || r.endsWith('_NOT_FOUND'),
  },
  {
    rule: '*.UNAUTHORIZED, *.UNAUTHENTICATED',
    status: 401,
    test: (r) => r === 'UNAUTHORIZED' || r === 'UNAUTHENTICATED',
  },
  {
    rule: '*.FORBIDDEN, *_FORBIDDEN',
    status: 403,
    test: (r) => r === 'FORBIDDEN' || r.endsWith('_FORBIDDEN'),
  },
  { rule: '*.RATE_LIMITED', status: 429, test: (r) => r === 'RATE_LIMITED' || r.endsWith('_RATE_LIMITED') },
  { rule: '*.UNAVAILABLE', status: 503, test: (r) => r === 'UNAVAILABLE' || r.endsWith('_UNAVAILABLE') },
  { rule: '*_TAKEN', status: 422, test: (r) => r.endsWith('_TAKEN') },
  { rule: '*.INVALID*', status: 422, test: (r) => r.startsWith('INVALID') },
  {
    rule: '*.CONFLICT, *_CONFLICT, *.ALREADY_*',
    status: 409,
    test: (r) => r === 'CONFLICT' || r.endsWith('_CONFLICT') || r.startsWith('ALREADY_'),
  },
];

/** Status of a well-formed code that no rule names: a broken business rule. */
export const DEFAULT_DOMAIN_STATUS = 422;

/** The HTTP status for a stable error code (see the table in libs/gateway/README.md). */
export const statusForCode = (code: string): number => {
  const exact = EXACT_CODES[code];
  if (exact) return exact.status;
  const segments = code.split('.');
  const reason = segments[segments.length - 1];
  if (INFRASTRUCTURE_NAMESPACES.includes(segments[0]))
    return reason === 'UNAVAILABLE' || reason.endsWith('_UNAVAILABLE') ? 503 : 500;
  for (const rule of SUFFIX_RULES) if (rule.test(reason)) return rule.status;
  return DEFAULT_DOMAIN_STATUS;
};

export interface MappedDomainError {
  status: number;
  error: JsonApiErrorObject;
  headers: Record<string, string>;
}

const pointerFrom = (rule: CodeRule | undefined, details: Record<string, unknown>): string | undefined => {
  if (typeof details.pointer === 'string' && details.pointer.startsWith('/')) return details.pointer;
  const attribute =
    typeof details.attribute === 'string' && details.attribute ? details.attribute : rule?.attribute;
  return attribute ? `/data/attributes/${escapePointer(kebabCase(attribute))}` : undefined;
};

/**
 * A domain error as one JSON:API error object. 4xx: `detail` is the domain message (or the table's TFC wording);
 * 401 and 404 carry no detail and no code, exactly as TFC (no hint which check failed, no existence oracle);
 * 5xx carry nothing but status and title (the caller logs the original).
 */
export const mapDomainError = (
  code: string,
  message: string,
  details: Record<string, unknown> = {},
): MappedDomainError => {
  const status = statusForCode(code);
  const headers: Record<string, string> = {};
  const title = titleForStatus(status);
  if (status >= 500 || status === 401 || status === 404)
    return { status, headers, error: { status: String(status), title } };

  const rule = EXACT_CODES[code];
  const error: JsonApiErrorObject = { status: String(status), title, detail: rule?.detail ?? message, code };
  const pointer = pointerFrom(rule, details);
  if (pointer) {
    error.source = { pointer };
    if (status === 422) error.title = INVALID_ATTRIBUTE;
  }
  if (rule?.title) error.title = rule.title;
  if (status === 429) {
    error.detail = "You have exceeded the API's rate limit.";
    const retry = details.retryAfterSeconds;
    if (typeof retry === 'number' && Number.isFinite(retry) && retry >= 0)
      headers['X-RateLimit-Reset'] = String(retry);
  }
  return { status, headers, error };
};
