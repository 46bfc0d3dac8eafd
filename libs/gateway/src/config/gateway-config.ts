import { ConfigError } from '@idp/eventing';

/**
 * The gateway's HTTP settings, read from the environment. Values end up in response headers, so each is checked
 * at boot (a header value with a line break would make every response fail); a bad one is a `ConfigError`
 * naming the setting.
 */
export interface GatewayConfig {
  /**
   * `TFP-AppName` (`TFP_APP_NAME`, default `Terraform Enterprise`). go-tfe's `IsCloud()` is true only for the exact
   * string `HCP Terraform`; this product is self-hosted and serves the TFE-only admin API, so it presents itself
   * as Terraform Enterprise.
   */
  appName: string;
  /** `TFP-API-Version`: the JSON:API surface implemented (Terraform CLI's `cloud` block requires >= 2.5). */
  apiVersion: string;
  /**
   * `X-RateLimit-Limit` (`API_RATE_LIMIT`, requests per second, default 30 as on TFC/TFE): also the limiter's rate
   * and burst per user (per client IP for unauthenticated requests).
   */
  rateLimit: number;
  /** Whether `/api/v2` requests are rate limited (`API_RATE_LIMITING_ENABLED`, default true, as TFE's setting). */
  rateLimitingEnabled: boolean;
  /**
   * Most rate-limit buckets (users and client addresses) held at once (`API_RATE_LIMIT_MAX_KEYS`, default 100000);
   * beyond it the least recently seen is dropped (it starts again with a full bucket).
   */
  rateLimitMaxKeys: number;
  /** `X-TFE-Version` (`TFE_VERSION`, e.g. `v202507-1`); sent only when set. */
  tfeVersion?: string;
  /** `X-TFE-Current-Version` (`TFE_NUMERIC_VERSION`, e.g. `1.1.0`); sent only when set. */
  tfeNumericVersion?: string;
  /**
   * Origin used for absolute links (`PUBLIC_URL`, e.g. `https://tfe.example.com`). Unset: the request's protocol
   * and Host header (honouring X-Forwarded-* only when the host trusts proxies). Set it in production so links
   * never echo a client-chosen Host.
   */
  publicUrl?: string;
  /**
   * Always mark the session cookie `Secure` (`COOKIE_SECURE=true`). Otherwise it is `Secure` when the request came
   * over https (as Fastify sees it: behind a TLS-terminating proxy that needs `TRUST_PROXY=true`).
   */
  cookieSecure: boolean;
  /**
   * How long a verified credential is trusted without asking the token service again (`AUTH_CACHE_TTL_MS`,
   * default 5000; `0` disables the cache). Bounds how long a revoked session keeps working on this replica.
   */
  authCacheTtlMs: number;
  /** Most credentials the verification cache holds (`AUTH_CACHE_MAX_ENTRIES`, default 10000; LRU beyond). */
  authCacheMaxEntries: number;
  /** How long a request to a service may take before the client gets a 503 (`BUS_REQUEST_TIMEOUT_MS`, 10000). */
  busTimeoutMs: number;
  /**
   * Refused credentials allowed per minute per client address (IPv6: per /64) before further credentials from it
   * are refused with a 429 without being looked at (`AUTH_FAILURE_LIMIT`, default 10, a burst of as many, refilled
   * continuously; `0` turns it off, as does `API_RATE_LIMITING_ENABLED=false`). Accepted credentials draw nothing.
   */
  authFailureLimit: number;
}

/** Injection token of the `GatewayConfig`. */
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');

export const DEFAULT_GATEWAY_CONFIG: GatewayConfig = {
  appName: 'Terraform Enterprise',
  apiVersion: '2.5',
  rateLimit: 30,
  rateLimitingEnabled: true,
  rateLimitMaxKeys: 100_000,
  cookieSecure: false,
  authCacheTtlMs: 5_000,
  authCacheMaxEntries: 10_000,
  busTimeoutMs: 10_000,
  authFailureLimit: 10,
};

// Visible ASCII and spaces only: anything else is either invalid in a header or a header-injection attempt.
const HEADER_VALUE = /^[\x20-\x7e]+$/;

const headerValue = (setting: string, value: string): string => {
  const trimmed = value.trim();
  if (!HEADER_VALUE.test(trimmed))
    throw new ConfigError(setting, `"${value}" must be non-empty printable ASCII (it is sent as a header)`);
  return trimmed;
};

/** The headers every response carries (go-tfe and Terraform CLI may read them from any response). */
export const responseHeaders = (config: GatewayConfig): Record<string, string> => ({
  'TFP-API-Version': config.apiVersion,
  'TFP-AppName': config.appName,
  'X-RateLimit-Limit': String(config.rateLimit),
  ...(config.tfeVersion ? { 'X-TFE-Version': config.tfeVersion } : {}),
  ...(config.tfeNumericVersion ? { 'X-TFE-Current-Version': config.tfeNumericVersion } : {}),
});

/** Reads the gateway settings; throws `ConfigError` for a value that cannot work. */
export const loadGatewayConfig = (env: NodeJS.ProcessEnv = process.env): GatewayConfig => {
  const config: GatewayConfig = { ...DEFAULT_GATEWAY_CONFIG };
  if (env.TFP_APP_NAME !== undefined && env.TFP_APP_NAME.trim() !== '')
    config.appName = headerValue('TFP_APP_NAME', env.TFP_APP_NAME);

  const limit = env.API_RATE_LIMIT?.trim();
  if (limit) {
    const n = Number(limit);
    if (!/^\d+$/.test(limit) || !Number.isSafeInteger(n) || n < 1)
      throw new ConfigError('API_RATE_LIMIT', `"${limit}" must be a positive integer (requests per second)`);
    config.rateLimit = n;
  }

  const tfeVersion = env.TFE_VERSION?.trim();
  if (tfeVersion) config.tfeVersion = headerValue('TFE_VERSION', tfeVersion);

  const numeric = env.TFE_NUMERIC_VERSION?.trim();
  if (numeric) {
    if (!/^\d+\.\d+\.\d+$/.test(numeric))
      throw new ConfigError('TFE_NUMERIC_VERSION', `"${numeric}" must be a version such as 1.1.0`);
    config.tfeNumericVersion = numeric;
  }

  const publicUrl = env.PUBLIC_URL?.trim();
  if (publicUrl) config.publicUrl = parsePublicUrl(publicUrl);

  config.rateLimitingEnabled = parseBoolean(
    'API_RATE_LIMITING_ENABLED',
    env.API_RATE_LIMITING_ENABLED,
    DEFAULT_GATEWAY_CONFIG.rateLimitingEnabled,
  );
  config.rateLimitMaxKeys = parseInteger('API_RATE_LIMIT_MAX_KEYS', env.API_RATE_LIMIT_MAX_KEYS, {
    fallback: DEFAULT_GATEWAY_CONFIG.rateLimitMaxKeys,
    min: 1,
    max: 10_000_000,
  });
  config.cookieSecure = parseBoolean('COOKIE_SECURE', env.COOKIE_SECURE, DEFAULT_GATEWAY_CONFIG.cookieSecure);
  config.authCacheTtlMs = parseInteger('AUTH_CACHE_TTL_MS', env.AUTH_CACHE_TTL_MS, {
    fallback: DEFAULT_GATEWAY_CONFIG.authCacheTtlMs,
    min: 0,
    max: 60_000,
  });
  config.authCacheMaxEntries = parseInteger('AUTH_CACHE_MAX_ENTRIES', env.AUTH_CACHE_MAX_ENTRIES, {
    fallback: DEFAULT_GATEWAY_CONFIG.authCacheMaxEntries,
    min: 1,
    max: 10_000_000,
  });
  config.busTimeoutMs = parseInteger('BUS_REQUEST_TIMEOUT_MS', env.BUS_REQUEST_TIMEOUT_MS, {
    fallback: DEFAULT_GATEWAY_CONFIG.busTimeoutMs,
    min: 100,
    max: 300_000,
  });
  config.authFailureLimit = parseInteger('AUTH_FAILURE_LIMIT', env.AUTH_FAILURE_LIMIT, {
    fallback: DEFAULT_GATEWAY_CONFIG.authFailureLimit,
    min: 0,
    max: 100_000,
  });
  return config;
};

const parseBoolean = (setting: string, value: string | undefined, fallback: boolean): boolean => {
  const v = value?.trim().toLowerCase();
  if (!v) return fallback;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new ConfigError(setting, `"${value}" must be true or false`);
};

const parseInteger = (
  setting: string,
  value: string | undefined,
  { fallback, min, max }: { fallback: number; min: number; max: number },
): number => {
  const v = value?.trim();
  if (!v) return fallback;
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < min || n > max)
    throw new ConfigError(setting, `"${value}" must be an integer from ${min} to ${max}`);
  return n;
};

const parsePublicUrl = (value: string): string => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('PUBLIC_URL', `"${value}" is not a URL (expected https://host[:port])`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ConfigError('PUBLIC_URL', `"${value}" must use http or https`);
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== ''))
    throw new ConfigError('PUBLIC_URL', `"${value}" must be an origin only (scheme, host and port; no path)`);
  return url.origin;
};
