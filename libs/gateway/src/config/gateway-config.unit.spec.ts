import { ConfigError } from '@idp/eventing';
import { DEFAULT_GATEWAY_CONFIG, loadGatewayConfig } from './gateway-config';

describe('gateway configuration', () => {
  it('defaults: Terraform Enterprise, API 2.5, 30 requests/second, no TFE version, no public URL', () => {
    expect(loadGatewayConfig({})).toEqual(DEFAULT_GATEWAY_CONFIG);
    expect(DEFAULT_GATEWAY_CONFIG).toEqual({
      appName: 'Terraform Enterprise',
      apiVersion: '2.5',
      rateLimit: 30,
      rateLimitingEnabled: true,
      rateLimitMaxKeys: 100000,
      cookieSecure: false,
      authCacheTtlMs: 5000,
      authCacheMaxEntries: 10000,
      busTimeoutMs: 10000,
      authFailureLimit: 10,
    });
  });

  it('reads every setting', () => {
    expect(
      loadGatewayConfig({
        TFP_APP_NAME: ' HCP Terraform ',
        API_RATE_LIMIT: '60',
        API_RATE_LIMITING_ENABLED: 'false',
        API_RATE_LIMIT_MAX_KEYS: '2000',
        TFE_VERSION: 'v202507-1',
        TFE_NUMERIC_VERSION: '1.1.0',
        PUBLIC_URL: 'https://tfe.example.com/',
        COOKIE_SECURE: 'TRUE',
        AUTH_CACHE_TTL_MS: '0',
        AUTH_CACHE_MAX_ENTRIES: '500',
        BUS_REQUEST_TIMEOUT_MS: '2500',
        AUTH_FAILURE_LIMIT: '0',
      }),
    ).toEqual({
      appName: 'HCP Terraform',
      apiVersion: '2.5',
      rateLimit: 60,
      rateLimitingEnabled: false,
      rateLimitMaxKeys: 2000,
      tfeVersion: 'v202507-1',
      tfeNumericVersion: '1.1.0',
      publicUrl: 'https://tfe.example.com',
      cookieSecure: true,
      authCacheTtlMs: 0,
      authCacheMaxEntries: 500,
      busTimeoutMs: 2500,
      authFailureLimit: 0,
    });
  });

  it.each([
    [{ API_RATE_LIMIT: '0' }, 'API_RATE_LIMIT'],
    [{ API_RATE_LIMIT: '1.5' }, 'API_RATE_LIMIT'],
    [{ API_RATE_LIMIT: 'lots' }, 'API_RATE_LIMIT'],
    [{ TFP_APP_NAME: 'Terraform\r\nSet-Cookie: x=1' }, 'TFP_APP_NAME'],
    [{ TFE_VERSION: 'v1\n' + 'x' }, 'TFE_VERSION'],
    [{ TFE_NUMERIC_VERSION: 'v1' }, 'TFE_NUMERIC_VERSION'],
    [{ PUBLIC_URL: 'tfe.example.com' }, 'PUBLIC_URL'],
    [{ PUBLIC_URL: 'ftp://tfe.example.com' }, 'PUBLIC_URL'],
    [{ PUBLIC_URL: 'https://tfe.example.com/prefix' }, 'PUBLIC_URL'],
    [{ PUBLIC_URL: 'https://user:pw@tfe.example.com' }, 'PUBLIC_URL'],
    [{ COOKIE_SECURE: 'yes' }, 'COOKIE_SECURE'],
    [{ API_RATE_LIMITING_ENABLED: 'off' }, 'API_RATE_LIMITING_ENABLED'],
    [{ API_RATE_LIMIT_MAX_KEYS: '0' }, 'API_RATE_LIMIT_MAX_KEYS'],
    [{ AUTH_CACHE_TTL_MS: '-1' }, 'AUTH_CACHE_TTL_MS'],
    [{ AUTH_CACHE_TTL_MS: '600000' }, 'AUTH_CACHE_TTL_MS'],
    [{ AUTH_CACHE_MAX_ENTRIES: '0' }, 'AUTH_CACHE_MAX_ENTRIES'],
    [{ BUS_REQUEST_TIMEOUT_MS: '5s' }, 'BUS_REQUEST_TIMEOUT_MS'],
    [{ AUTH_FAILURE_LIMIT: '-1' }, 'AUTH_FAILURE_LIMIT'],
    [{ AUTH_FAILURE_LIMIT: '10/min' }, 'AUTH_FAILURE_LIMIT'],
  ])('%j is a ConfigError naming %s', (env, setting) => {
    let err: unknown;
    try {
      loadGatewayConfig(env);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).setting).toBe(setting);
  });
});
