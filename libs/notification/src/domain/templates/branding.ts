/** Who the mail is from, as the reader sees it: product name and where the product lives. */
export interface Branding {
  /** Shown in subjects, greetings and signatures: `Terraform Platform`. */
  productName: string;
  /** The web UI's origin and optional path prefix, `https://tfe.example.com`; every link is built on it. */
  baseUrl: string;
}

/**
 * The paths of the web UI pages a mail links to, relative to `Branding.baseUrl`. One table, so the gateway's
 * routes and the mails cannot drift apart silently.
 */
export const MAIL_LINK_PATHS = {
  confirmEmail: '/account/confirm-email',
  resetPassword: '/account/reset-password',
  forgotPassword: '/account/forgot-password',
  /** Followed by `/<token>`: one page for an existing account (accept) and for a new one (sign up). */
  invitation: '/invitations',
} as const;

/**
 * An absolute link under `baseUrl`. Links are built here, never taken whole from an event, so a mail can only
 * ever point at the configured host. Throws when `baseUrl` is not an http(s) URL (a configuration error).
 */
export const linkTo = (baseUrl: string, path: string, query: Record<string, string> = {}): string => {
  let base: URL;
  try {
    base = new URL(baseUrl);
  } catch {
    throw new Error(`base URL "${baseUrl}" is not a URL`);
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:')
    throw new Error(`base URL "${baseUrl}" must be http(s)`);
  const search = Object.entries(query)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
  return `${base.origin}${base.pathname.replace(/\/+$/, '')}${path}${search ? `?${search}` : ''}`;
};

/** `ada.lovelace@example.com` → `a***@e***.com`: enough to recognise one's own address, not to harvest it. */
export const maskEmail = (email: string): string => {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  const dot = domain.lastIndexOf('.');
  const first = [...domain][0] ?? '';
  const maskedDomain = dot > 0 ? `${first}***${domain.slice(dot)}` : `${first}***`;
  return `${[...local][0]}***@${maskedDomain}`;
};

/** `2025-03-01T09:05:00Z` → `2025-03-01 09:05 UTC`: one unambiguous form, no locale, no time zone guessing. */
export const formatUtc = (instant: string | Date): string => {
  const date = new Date(instant);
  if (Number.isNaN(date.getTime())) throw new Error(`"${String(instant)}" is not a time`);
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
};

/** A duration in words, rounded: `45 minutes`, `90 minutes`, `1 hour`, `36 hours`, `1 day`, `3 days`. */
export const formatDuration = (ms: number): string => {
  const minutes = Math.max(1, Math.round(ms / 60_000));
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (minutes < 60) return unit(minutes, 'minute');
  if (minutes % 1440 === 0) return unit(minutes / 1440, 'day');
  if (minutes < 120 && minutes % 60 !== 0) return unit(minutes, 'minute');
  const hours = Math.round(minutes / 60);
  if (hours < 48) return unit(hours, 'hour');
  return unit(Math.round(hours / 24), 'day');
};
