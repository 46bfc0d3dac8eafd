import { RpcException } from '@nestjs/microservices';
import type { InjectOptions } from 'fastify';
import { createGatewayAppWithFakeServices, type FakeServicesApp } from '../testing/fake-services';
import { WhoAmIController } from '../testing/probe-controllers';
import { AUTH_FAILURE_LIMITER, RATE_LIMIT_CLOCK } from './rate-limit.tokens';
import type { TokenBucketLimiter } from './token-bucket';

let now = 5_000_000;
const LIMIT = 10;
const API_RATE = 1_000; // high enough that the request limiter never interferes here

const TOO_MANY_FAILURES = {
  errors: [
    {
      status: '429',
      title: 'Too many requests',
      detail: 'Too many failed authentication attempts; retry later.',
    },
  ],
};

describe('throttling of failed credential checks per client address', () => {
  let fx: FakeServicesApp;
  let n = 0;
  const call = (options: InjectOptions) =>
    fx.app.inject({ url: '/api/v2/whoami', remoteAddress: '198.51.100.7', ...options });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const unknown = () => bearer(`guess-${++n}-${'x'.repeat(40)}`);
  const statuses = async (count: number, options: () => InjectOptions) => {
    const out: number[] = [];
    for (let i = 0; i < count; i++) out.push((await call(options())).statusCode);
    return out;
  };
  const verifyCalls = () => fx.state.callsOf('token.verify-credential').length;
  const validToken = () =>
    fx.state.startSession(
      fx.state.addAccount({
        username: `ok${++n}`,
        email: `ok${n}@example.com`,
        password: 'correct horse battery',
      }).id,
    ).token;

  beforeAll(async () => {
    fx = await createGatewayAppWithFakeServices({
      controllers: [WhoAmIController],
      overrides: [{ provide: RATE_LIMIT_CLOCK, useValue: () => now }],
      config: { rateLimitingEnabled: true, rateLimit: API_RATE, authFailureLimit: LIMIT },
    });
  });
  afterAll(() => fx.close());
  beforeEach(() => {
    now += 3_600_000;
    fx.app.get<TokenBucketLimiter>(AUTH_FAILURE_LIMITER).clear();
    fx.state.verifyReply = undefined;
  });

  it('ten unknown tokens are 401s; the eleventh is a 429 before any lookup, with the TFC rate-limit headers', async () => {
    expect(await statuses(LIMIT, () => ({ headers: unknown() }))).toEqual(Array(LIMIT).fill(401));
    const calls = verifyCalls();
    const refused = await call({ headers: unknown() });
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['content-type']).toBe('application/vnd.api+json');
    expect(refused.json()).toEqual(TOO_MANY_FAILURES);
    expect(refused.headers['x-ratelimit-limit']).toBe(String(API_RATE));
    expect(refused.headers['x-ratelimit-reset']).toBe('6'); // one failure per 60/10 s
    expect(Number.isFinite(Number(refused.headers['x-ratelimit-reset']))).toBe(true);
    expect(verifyCalls()).toBe(calls); // not looked up
    now += 1_500;
    const later = await call({ headers: unknown() });
    expect(later.statusCode).toBe(429);
    expect(later.headers['x-ratelimit-reset']).toBe('4.5');
  });

  it('while the address is over budget even a valid credential from it waits; other addresses are not affected', async () => {
    const token = validToken();
    expect((await call({ headers: bearer(token) })).statusCode).toBe(200);
    await statuses(LIMIT, () => ({ headers: unknown() }));
    expect((await call({ headers: bearer(token) })).statusCode).toBe(429);
    expect((await call({ headers: bearer(token), remoteAddress: '198.51.100.8' })).statusCode).toBe(200);
    expect((await call({ headers: unknown(), remoteAddress: '198.51.100.8' })).statusCode).toBe(401);
  });

  it('accepted credentials draw nothing from the budget', async () => {
    const token = validToken();
    expect(await statuses(50, () => ({ headers: bearer(token) }))).toEqual(Array(50).fill(200));
    expect(await statuses(LIMIT + 1, () => ({ headers: unknown() }))).toEqual([
      ...Array(LIMIT).fill(401),
      429,
    ]);
  });

  it('refills continuously: one more failure every 6 s, up to ten', async () => {
    await statuses(LIMIT, () => ({ headers: unknown() }));
    expect((await call({ headers: unknown() })).statusCode).toBe(429);
    now += 6_000;
    expect(await statuses(2, () => ({ headers: unknown() }))).toEqual([401, 429]);
    now += 3_600_000;
    expect(await statuses(LIMIT + 1, () => ({ headers: unknown() }))).toEqual([
      ...Array(LIMIT).fill(401),
      429,
    ]);
  });

  it('malformed credentials count; requests without any credential do not', async () => {
    expect(await statuses(20, () => ({}))).toEqual(Array(20).fill(401));
    expect(await statuses(LIMIT, () => ({ headers: { authorization: 'Basic dXNlcjpwdw==' } }))).toEqual(
      Array(LIMIT).fill(401),
    );
    expect((await call({ headers: unknown() })).statusCode).toBe(429);
    // An unknown session cookie is a refused credential like a bearer token.
    now += 6_000;
    expect((await call({ headers: { cookie: `idp_session=${'y'.repeat(43)}` } })).statusCode).toBe(401);
    expect((await call({ headers: { cookie: `idp_session=${'y'.repeat(43)}` } })).statusCode).toBe(429);
  });

  it('the token service not answering (503) is not a failed credential', async () => {
    fx.state.verifyReply = () => {
      throw new RpcException({ code: 'TOKEN.UNAVAILABLE', message: 'down' });
    };
    expect(await statuses(LIMIT * 2, () => ({ headers: unknown() }))).toEqual(Array(LIMIT * 2).fill(503));
    fx.state.verifyReply = undefined;
    expect(await statuses(LIMIT + 1, () => ({ headers: unknown() }))).toEqual([
      ...Array(LIMIT).fill(401),
      429,
    ]);
  });

  it('IPv6 clients share the budget of their /64', async () => {
    await statuses(LIMIT, () => ({ headers: unknown(), remoteAddress: '2001:db8:7:1::a' }));
    expect((await call({ headers: unknown(), remoteAddress: '2001:db8:7:1::b' })).statusCode).toBe(429);
    expect((await call({ headers: unknown(), remoteAddress: '2001:db8:7:2::a' })).statusCode).toBe(401);
  });

  it('public routes are never refused for it', async () => {
    await statuses(LIMIT, () => ({ headers: unknown() }));
    expect((await call({ url: '/api/v2/ping', headers: unknown() })).statusCode).toBe(204);
  });
});

describe.each([
  ['API_RATE_LIMITING_ENABLED=false', { rateLimitingEnabled: false, authFailureLimit: LIMIT }],
  ['AUTH_FAILURE_LIMIT=0', { rateLimitingEnabled: true, authFailureLimit: 0 }],
])('failed-authentication throttling turned off (%s)', (_, config) => {
  let fx: FakeServicesApp;
  beforeAll(async () => {
    fx = await createGatewayAppWithFakeServices({
      controllers: [WhoAmIController],
      config: { rateLimit: API_RATE, ...config },
    });
  });
  afterAll(() => fx.close());

  it('every refused credential is a 401, however many', async () => {
    expect(fx.app.get(AUTH_FAILURE_LIMITER)).toBeNull();
    for (let i = 0; i < LIMIT * 3; i++) {
      const res = await fx.app.inject({
        url: '/api/v2/whoami',
        headers: { authorization: `Bearer nope-${i}-${'z'.repeat(40)}` },
      });
      expect(res.statusCode).toBe(401);
    }
  });
});
