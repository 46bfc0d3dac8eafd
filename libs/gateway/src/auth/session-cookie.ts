import type { FastifyReply, FastifyRequest } from 'fastify';

/** Name of the browser session cookie. */
export const SESSION_COOKIE = 'idp_session';

/** Longest credential the gateway reads (secrets are 43 characters today, API tokens ~90). */
export const MAX_CREDENTIAL_LENGTH = 512;

// RFC 6750 b64token (what a bearer token may contain), which is also a valid cookie value.
const CREDENTIAL = /^[A-Za-z0-9\-._~+/]+=*$/;

/** Whether a string can be a credential at all (checked before hashing or asking anyone). */
export const isCredentialShaped = (value: string): boolean =>
  value.length > 0 && value.length <= MAX_CREDENTIAL_LENGTH && CREDENTIAL.test(value);

/**
 * The value of the session cookie in a `Cookie` header, or undefined. The first occurrence wins (browsers send
 * the most specific path first); quotes around the value are removed; nothing is URL-decoded (ours never needs it).
 */
export const sessionCookieOf = (header: string | string[] | undefined): string | undefined => {
  const text = Array.isArray(header) ? header.join('; ') : header;
  if (!text) return undefined;
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1 || part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    return value;
  }
  return undefined;
};

/** Where a request's credential came from, and the credential. */
export type PresentedCredential =
  { source: 'bearer' | 'cookie'; token: string } | { source: 'invalid' } | undefined;

/**
 * The credential a request presents: `Authorization: Bearer <token>` first, else the session cookie. A present but
 * malformed Authorization header (another scheme, no token, junk) is `invalid`, never a fall-back to the cookie.
 */
export const presentedCredential = (request: FastifyRequest): PresentedCredential => {
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer +(\S+) *$/i.exec(authorization);
    if (!match || !isCredentialShaped(match[1])) return { source: 'invalid' };
    return { source: 'bearer', token: match[1] };
  }
  const cookie = sessionCookieOf(request.headers.cookie);
  if (cookie === undefined) return undefined;
  return isCredentialShaped(cookie) ? { source: 'cookie', token: cookie } : { source: 'invalid' };
};

/** `Secure` when configured, or when the request came over https (as Fastify sees it, proxies per TRUST_PROXY). */
const secure = (request: FastifyRequest, always: boolean): boolean => always || request.protocol === 'https';

const attributes = (request: FastifyRequest, alwaysSecure: boolean): string =>
  `Path=/; HttpOnly;${secure(request, alwaysSecure) ? ' Secure;' : ''} SameSite=Lax`;

/**
 * Sets the session cookie: HttpOnly (no script can read it), SameSite=Lax (not sent on cross-site POSTs), Path=/,
 * Secure as above. No Expires: a browser-session cookie; the token service enforces idle and absolute expiry.
 */
export const setSessionCookie = (
  request: FastifyRequest,
  reply: FastifyReply,
  token: string,
  alwaysSecure: boolean,
): void => {
  if (!isCredentialShaped(token)) throw new TypeError('a session token must be a cookie-safe string');
  reply.header('Set-Cookie', `${SESSION_COOKIE}=${token}; ${attributes(request, alwaysSecure)}`);
};

/** Clears the session cookie (same attributes, empty value, expired). */
export const clearSessionCookie = (
  request: FastifyRequest,
  reply: FastifyReply,
  alwaysSecure: boolean,
): void => {
  reply.header(
    'Set-Cookie',
    `${SESSION_COOKIE}=; ${attributes(request, alwaysSecure)}; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT`,
  );
};
