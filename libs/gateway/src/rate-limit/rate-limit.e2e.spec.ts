import { OutsideController, WhoAmIController } from '../testing/probe-controllers';
import { Logger, Module } from '@nestjs/common';
import { MODULE_METADATA } from '@nestjs/common/constants';
import { APP_GUARD } from '@nestjs/core';
import type { InjectOptions } from 'fastify';
import { GatewayModule } from '../gateway.module';
import { createGatewayAppWithFakeServices, type FakeServicesApp } from '../testing/fake-services';
import type { GatewayTestAppOptions } from '../testing/gateway-test-app';
import { RateLimitGuard, rateLimiterProvider } from './rate-limit.guard';
import { RATE_LIMIT_CLOCK, RATE_LIMITER } from './rate-limit.tokens';
import type { TokenBucketLimiter } from './token-bucket';

let now = 1_000_000;

/**
 * The rate limiting providers as GatewayModule registers them, with a controlled clock. Imported after
 * GatewayModule (it imports it), so its APP_GUARD is registered — and runs — after AuthenticationGuard, as it is
 * in GatewayModule's own provider list.
 */
@Module({
  imports: [GatewayModule],
  providers: [
    { provide: RATE_LIMIT_CLOCK, useValue: () => now },
    rateLimiterProvider,
    { provide: APP_GUARD, useClass: RateLimitGuard },
  ],
})
class RateLimitTestModule {}

/** Whether GatewayModule registers the guard itself (then only its clock is replaced). */
const registeredByGatewayModule = (
  (Reflect.getMetadata(MODULE_METADATA.PROVIDERS, GatewayModule) ?? []) as Array<{ useClass?: unknown }>
).some((p) => p?.useClass === RateLimitGuard);

/** The test app options that put the rate limiter, with the controlled clock, in the app. */
const withRateLimiter: Pick<GatewayTestAppOptions, 'imports' | 'overrides'> = registeredByGatewayModule
  ? { overrides: [{ provide: RATE_LIMIT_CLOCK, useValue: () => now }] }
  : { imports: [RateLimitTestModule] };

const LIMIT = 5;
const TOO_MANY = {
  errors: [{ status: '429', title: 'Too many requests', detail: "You have exceeded the API's rate limit." }],
};

describe('rate limiting of /api/v2 (TFC-API §1.8)', () => {
  let fx: FakeServicesApp;
  const call = (options: InjectOptions) => fx.app.inject({ remoteAddress: '198.51.100.1', ...options });
  const burst = async (n: number, options: InjectOptions) => {
    const statuses: number[] = [];
    for (let i = 0; i < n; i++) statuses.push((await call(options)).statusCode);
    return statuses;
  };
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const newUser = () =>
    fx.state.addAccount({
      username: `u${fx.state.accounts.size}`,
      email: `u${fx.state.accounts.size}@example.com`,
      password: 'correct horse battery',
    });

  beforeAll(async () => {
    fx = await createGatewayAppWithFakeServices({
      controllers: [WhoAmIController, OutsideController],
      ...withRateLimiter,
      config: { rateLimit: LIMIT, rateLimitingEnabled: true },
    });
  });
  afterAll(() => fx.close());
  beforeEach(() => {
    now += 60_000;
    fx.app.get<TokenBucketLimiter>(RATE_LIMITER).clear();
  });

  it('a burst above the limit: the excess gets TFC 429 with X-RateLimit-Limit and X-RateLimit-Reset', async () => {
    const { token } = fx.state.startSession(newUser().id);
    expect(await burst(LIMIT, { url: '/api/v2/whoami', headers: bearer(token) })).toEqual(
      Array(LIMIT).fill(200),
    );

    const res = await call({ url: '/api/v2/whoami', headers: bearer(token) });
    expect(res.statusCode).toBe(429);
    expect(res.headers['content-type']).toBe('application/vnd.api+json');
    expect(res.json()).toEqual(TOO_MANY);
    expect(res.headers['x-ratelimit-limit']).toBe(String(LIMIT));
    expect(res.headers['x-ratelimit-reset']).toBe('0.2'); // one token per 1/5 s
    expect(res.headers['tfp-api-version']).toBe('2.5');

    now += 50;
    const later = await call({ url: '/api/v2/whoami', headers: bearer(token) });
    expect(later.statusCode).toBe(429);
    expect(Number(later.headers['x-ratelimit-reset'])).toBeCloseTo(0.15, 6);
  });

  it('after waiting, requests pass again: one per 1/limit second, up to a full burst', async () => {
    const { token } = fx.state.startSession(newUser().id);
    const whoami = { url: '/api/v2/whoami', headers: bearer(token) };
    await burst(LIMIT, whoami);
    expect((await call(whoami)).statusCode).toBe(429);

    now += 200;
    expect(await burst(2, whoami)).toEqual([200, 429]);

    now += 10_000;
    expect(await burst(LIMIT + 1, whoami)).toEqual([...Array(LIMIT).fill(200), 429]);
  });

  it("all of a user's credentials share one budget; another user has their own", async () => {
    const alice = newUser();
    const session = fx.state.startSession(alice.id);
    const other = fx.state.startSession(alice.id);
    await burst(3, { url: '/api/v2/whoami', headers: bearer(session.token), remoteAddress: '192.0.2.1' });
    expect(
      await burst(3, { url: '/api/v2/whoami', headers: bearer(other.token), remoteAddress: '192.0.2.2' }),
    ).toEqual([200, 200, 429]);
    // The cookie is a credential like the bearer token.
    const cookie = await call({ url: '/api/v2/whoami', headers: { cookie: `idp_session=${session.token}` } });
    expect(cookie.statusCode).toBe(429);

    const bob = fx.state.startSession(newUser().id);
    expect(
      await burst(LIMIT, { url: '/api/v2/whoami', headers: bearer(bob.token), remoteAddress: '192.0.2.1' }),
    ).toEqual(Array(LIMIT).fill(200));
  });

  it('anonymous requests are bucketed by client address, apart from the users behind it', async () => {
    const ping = { url: '/api/v2/ping' };
    expect(await burst(LIMIT + 1, { ...ping, remoteAddress: '203.0.113.10' })).toEqual([
      ...Array(LIMIT).fill(204),
      429,
    ]);
    const refused = await call({ ...ping, remoteAddress: '203.0.113.10' });
    expect(refused.json()).toEqual(TOO_MANY);
    expect(refused.headers['x-ratelimit-reset']).toBe('0.2');

    expect(await burst(LIMIT, { ...ping, remoteAddress: '203.0.113.11' })).toEqual(Array(LIMIT).fill(204));
    // A user calling from the exhausted address has their own budget.
    const { token } = fx.state.startSession(newUser().id);
    expect(
      (await call({ url: '/api/v2/whoami', headers: bearer(token), remoteAddress: '203.0.113.10' }))
        .statusCode,
    ).toBe(200);
    // A public route called with a token is still anonymous (the guard does not look at it): the address's bucket.
    expect((await call({ ...ping, headers: bearer(token), remoteAddress: '203.0.113.10' })).statusCode).toBe(
      429,
    );
  });

  it('IPv6 clients are bucketed by /64', async () => {
    await burst(3, { url: '/api/v2/ping', remoteAddress: '2001:db8:1:2::a' });
    expect(await burst(3, { url: '/api/v2/ping', remoteAddress: '2001:db8:1:2::b' })).toEqual([
      204, 204, 429,
    ]);
    expect((await call({ url: '/api/v2/ping', remoteAddress: '2001:db8:1:3::a' })).statusCode).toBe(204);
  });

  it('routes outside /api/v2 (ops probes, /admin/*) are never limited', async () => {
    expect(await burst(LIMIT * 3, { url: '/outside' })).toEqual(Array(LIMIT * 3).fill(200));
    const iact = await burst(LIMIT * 2, { url: '/admin/retrieve-iact', remoteAddress: '127.0.0.1' });
    expect(iact.every((s) => s !== 429)).toBe(true);
    // And they did not use the address's budget either.
    expect(await burst(LIMIT, { url: '/api/v2/ping' })).toEqual(Array(LIMIT).fill(204));
  });

  it('unknown routes answer 404, not 429', async () => {
    await burst(LIMIT, { url: '/api/v2/ping' });
    const res = await call({ url: '/api/v2/no-such-route' });
    expect(res.statusCode).toBe(404);
  });
});

describe('rate limiting turned off (API_RATE_LIMITING_ENABLED=false)', () => {
  let fx: FakeServicesApp;
  beforeAll(async () => {
    fx = await createGatewayAppWithFakeServices({
      ...withRateLimiter,
      config: { rateLimit: 2, rateLimitingEnabled: false },
    });
  });
  afterAll(() => fx.close());

  it('never refuses, still announces the limit', async () => {
    for (let i = 0; i < 10; i++) {
      const res = await fx.app.inject({ url: '/api/v2/ping' });
      expect(res.statusCode).toBe(204);
      expect(res.headers['x-ratelimit-limit']).toBe('2');
    }
  });
});

describe('registered before AuthenticationGuard (a wiring mistake)', () => {
  let fx: FakeServicesApp;
  beforeAll(async () => {
    fx = await createGatewayAppWithFakeServices({
      controllers: [WhoAmIController],
      // The test module's own providers are registered before GatewayModule's: this guard runs first.
      providers: [
        { provide: RATE_LIMIT_CLOCK, useValue: () => now },
        rateLimiterProvider,
        { provide: APP_GUARD, useClass: RateLimitGuard },
      ],
      config: { rateLimitingEnabled: true },
    });
  });
  afterAll(() => fx.close());
  afterEach(() => jest.restoreAllMocks());

  it('says so once, and still limits (by address)', async () => {
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const { token } = fx.state.startSession(
      fx.state.addAccount({ username: 'mis', email: 'mis@example.com', password: 'correct horse battery' })
        .id,
    );
    for (let i = 0; i < 3; i++)
      expect(
        (await fx.app.inject({ url: '/api/v2/whoami', headers: { authorization: `Bearer ${token}` } }))
          .statusCode,
      ).toBe(200);
    expect(error.mock.calls.filter(([m]) => String(m).includes('RateLimitGuard ran before'))).toHaveLength(1);
  });
});
