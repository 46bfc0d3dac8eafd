import { DomainError, ValueAlreadyClaimed } from '@idp/eventing';
import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpException,
  Logger,
  Param,
  Post,
  Query,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { TimeoutError } from 'rxjs';
import { z } from 'zod';
import { JsonApiController } from '../http/json-api-controller';
import { PublicRoute } from '../http/request-context';
import { singleDocument } from '../jsonapi/document';
import { parsePage } from '../jsonapi/pagination';
import { parseInclude } from '../jsonapi/query-params';
import { resource } from '../jsonapi/resource';
import { createGatewayTestApp } from '../testing/gateway-test-app';
import { JsonApiBody, type JsonApiInput, jsonApiBody, JsonApiIdentifiers } from '../validation/json-api-body';
import { ValidBody, ValidQuery } from '../validation/zod-pipes';
import { forbidden } from './json-api-error';

const createUser = jsonApiBody({
  type: 'users',
  attributes: z.object({
    username: z
      .string()
      .min(1)
      .max(40)
      .regex(/^[A-Za-z0-9_-]+$/, 'can only contain letters, numbers, - and _'),
    email: z.email().max(254),
    password: z.string().min(10).max(128),
    fullName: z.string().max(20).optional(),
  }),
});

const thrown: Record<string, () => unknown> = {
  'domain-not-found': () => new DomainError('ACCOUNT.NOT_FOUND', 'account user-x not found'),
  'domain-taken': () => new ValueAlreadyClaimed('username', 'ada'),
  'rpc-taken': () => ({
    code: 'UNIQUENESS.EMAIL_TAKEN',
    message: 'email "a@b.io" is already taken',
    details: { scope: 'email' },
  }),
  'rpc-forbidden': () => ({
    code: 'MEMBERSHIP.LAST_OWNER_FORBIDDEN',
    message: 'Add another owner or delete the organization',
  }),
  'rpc-unauthorized': () => ({ code: 'SESSION.UNAUTHORIZED', message: 'wrong password for ada' }),
  'rpc-rate-limited': () => ({
    code: 'SMS.RATE_LIMITED',
    message: 'too many',
    details: { retryAfterSeconds: 2 },
  }),
  'rpc-conflict': () => ({
    code: 'EVENT_STORE.WRONG_EXPECTED_VERSION',
    message: 'stream account-1 at 4, expected 3',
  }),
  'rpc-infra': () => ({ code: 'EVENT_STORE.UNAVAILABLE', message: 'connect ECONNREFUSED 10.0.0.3:5432' }),
  'rpc-unknown-rule': () => ({ code: 'ACCOUNT.SUSPENDED', message: 'This account is suspended' }),
  'rpc-internal': () => ({ status: 'error', message: 'Internal server error' }),
  'rpc-no-handler': () => 'There is no matching message handler defined in the remote service.',
  timeout: () => new TimeoutError(),
  bug: () => new Error('secret detail at /srv/app/identity.ts:42'),
  'non-error': () => 42,
  'http-400': () => new BadRequestException('Widget is broken'),
  'http-401': () => new UnauthorizedException('token expired at 12:00'),
  'http-503': () => new ServiceUnavailableException('db 10.0.0.1 down'),
  'json-api': () => forbidden('Only owners can do this'),
  'library-4xx': () => Object.assign(new Error('internal library text'), { statusCode: 416 }),
};

let bodilessSeen: unknown = 'unset';

// Authentication is not under test here.
@PublicRoute()
@JsonApiController('test')
class TestController {
  @Post('users')
  create(@JsonApiBody(createUser) body: JsonApiInput<typeof createUser>) {
    return singleDocument(resource('users', 'user-1', body.attributes));
  }

  @Delete('users')
  remove(@JsonApiIdentifiers({ type: 'users' }) ids: Array<{ id: string }>) {
    return { meta: { removed: ids.map((i) => i.id) } };
  }

  @Post('actions/bodiless')
  @HttpCode(204)
  bodiless(@Body() body: unknown) {
    bodilessSeen = body;
  }

  @Get('throw/:kind')
  throwIt(@Param('kind') kind: string) {
    throw thrown[kind]();
  }

  @Get('search')
  search(
    @ValidQuery(
      z.object({
        q: z.string().max(10).optional(),
        'filter[status]': z.enum(['active', 'invited']).optional(),
      }),
    )
    q: unknown,
  ) {
    return { meta: { q } };
  }

  @Get('memberships/:id')
  membership(@Param('id') id: string, @Query() query: Record<string, unknown>) {
    return { meta: { id, include: parseInclude(query, ['user', 'teams']), page: parsePage(query) } };
  }

  @Post('plain')
  plain(@ValidBody(z.object({ username: z.string().min(1) })) body: { username: string }) {
    return body;
  }
}

@Controller()
class OpsLikeController {
  @Get('readyz-like')
  ready() {
    throw new HttpException({ status: 'unavailable', checks: { db: 'connection refused' } }, 503);
  }
}

const JSON_API = 'application/vnd.api+json';

describe('the HTTP error surface (JSON:API error documents)', () => {
  let app: NestFastifyApplication;
  let logged: jest.SpyInstance;

  beforeAll(async () => {
    app = await createGatewayTestApp({ controllers: [TestController, OpsLikeController] });
  });
  afterAll(() => app.close());
  beforeEach(() => {
    logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => logged.mockRestore());

  const post = (url: string, payload: unknown, contentType: string | null = JSON_API) =>
    app.inject({
      method: 'POST',
      url,
      headers: contentType ? { 'content-type': contentType } : {},
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });
  const user = (attributes: Record<string, unknown>) => ({ data: { type: 'users', attributes } });
  const valid = { username: 'ada', email: 'ada@example.com', password: 'correct horse battery' };

  const expectErrors = (
    res: { statusCode: number; headers: Record<string, unknown>; json: () => any },
    status: number,
  ) => {
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toBe(JSON_API);
    expect(res.headers['tfp-api-version']).toBe('2.5');
    expect(res.headers['x-ratelimit-limit']).toBe('30');
    const body = res.json();
    expect(body.errors.length).toBeGreaterThan(0);
    for (const e of body.errors) expect(e.status).toBe(String(status));
    return body.errors as Array<Record<string, any>>;
  };

  describe('bodies', () => {
    it('a valid JSON:API body is accepted and answered as JSON:API', async () => {
      const res = await post('/api/v2/test/users', user({ ...valid, 'full-name': 'Zoë 😀 日本' }));
      expect(res.statusCode).toBe(201);
      expect(res.headers['content-type']).toBe(JSON_API);
      expect(res.json().data).toEqual({
        type: 'users',
        id: 'user-1',
        attributes: {
          username: 'ada',
          email: 'ada@example.com',
          password: 'correct horse battery',
          'full-name': 'Zoë 😀 日本',
        },
      });
    });

    it.each([
      ['application/json'],
      ['application/json; charset=utf-8'],
      ['application/vnd.api+json'],
      ['Application/Vnd.Api+JSON'],
      ['application/vnd.api+json; ext="https://jsonapi.org/ext/atomic"'],
    ])('Content-Type %s is accepted', async (type) => {
      expect((await post('/api/v2/test/users', user(valid), type)).statusCode).toBe(201);
    });

    it('malformed JSON is a 400', async () => {
      const errors = expectErrors(await post('/api/v2/test/users', '{"data": {'), 400);
      expect(errors).toEqual([
        { status: '400', title: 'bad request', detail: 'The request body is not valid JSON' },
      ]);
    });

    it('prototype-poisoning keys are refused as invalid JSON', async () => {
      expectErrors(
        await post('/api/v2/test/users', '{"data":{"type":"users","__proto__":{"admin":true}}}'),
        400,
      );
      expectErrors(await post('/api/v2/test/users', '{"constructor":{"prototype":{"admin":true}}}'), 400);
    });

    it.each([['null'], ['[]'], ['"text"'], ['42'], ['{}'], ['{"data":[]}']])(
      '%s is not a JSON:API document: 400',
      async (payload) => {
        const errors = expectErrors(await post('/api/v2/test/users', payload), 400);
        expect(errors[0].detail).toMatch(/JSON:API document/);
      },
    );

    it('a bodiless POST to a body-taking endpoint is a 400, not a 500', async () => {
      expectErrors(
        await app.inject({
          method: 'POST',
          url: '/api/v2/test/users',
          headers: { 'content-type': JSON_API },
        }),
        400,
      );
    });

    it('missing attributes: 422 for each, all at once', async () => {
      const errors = expectErrors(await post('/api/v2/test/users', user({})), 422);
      expect(errors).toEqual([
        {
          status: '422',
          title: 'invalid attribute',
          detail: "Username can't be blank",
          source: { pointer: '/data/attributes/username' },
        },
        {
          status: '422',
          title: 'invalid attribute',
          detail: "Email can't be blank",
          source: { pointer: '/data/attributes/email' },
        },
        {
          status: '422',
          title: 'invalid attribute',
          detail: "Password can't be blank",
          source: { pointer: '/data/attributes/password' },
        },
      ]);
    });

    it('wrong attribute types: 422 with pointers', async () => {
      const errors = expectErrors(
        await post('/api/v2/test/users', user({ ...valid, username: 42, password: true, 'full-name': {} })),
        422,
      );
      expect(errors.map((e) => [e.source.pointer, e.detail])).toEqual([
        ['/data/attributes/username', 'Username must be a string'],
        ['/data/attributes/password', 'Password must be a string'],
        ['/data/attributes/full-name', 'Full name must be a string'],
      ]);
    });

    it('overlong strings: 422 naming the maximum', async () => {
      const errors = expectErrors(
        await post(
          '/api/v2/test/users',
          user({ ...valid, username: 'a'.repeat(41), 'full-name': 'é'.repeat(21) }),
        ),
        422,
      );
      expect(errors.map((e) => e.detail)).toEqual([
        'Username is too long (maximum is 40 characters)',
        'Full name is too long (maximum is 20 characters)',
      ]);
    });

    it('a schema message reads as a sentence', async () => {
      const errors = expectErrors(
        await post('/api/v2/test/users', user({ ...valid, username: 'ada lovelace' })),
        422,
      );
      expect(errors[0].detail).toBe('Username can only contain letters, numbers, - and _');
    });

    it('unicode: 20 emoji fit 20 characters; NUL and unpaired surrogates are refused with a pointer', async () => {
      expect(
        (await post('/api/v2/test/users', user({ ...valid, 'full-name': '😀'.repeat(20) }))).statusCode,
      ).toBe(201);
      const nul = expectErrors(
        await post('/api/v2/test/users', '{"data":{"type":"users","attributes":{"full-name":"a\\u0000b"}}}'),
        400,
      );
      expect(nul[0].source).toEqual({ pointer: '/data/attributes/full-name' });
      const surrogate = expectErrors(
        await post('/api/v2/test/users', '{"data":{"type":"users","attributes":{"username":"\\ud800"}}}'),
        400,
      );
      expect(surrogate[0].source).toEqual({ pointer: '/data/attributes/username' });
    });

    it('deeply nested documents are a 400, not a stack overflow', async () => {
      const deep =
        '{"data":{"type":"users","attributes":{"x":' + '['.repeat(50_000) + ']'.repeat(50_000) + '}}}';
      const errors = expectErrors(await post('/api/v2/test/users', deep), 400);
      expect(errors[0].detail).toMatch(/nested deeper/);
    });

    it('a wrong data.type is a 409 at /data/type', async () => {
      const errors = expectErrors(
        await post('/api/v2/test/users', { data: { type: 'teams', attributes: valid } }),
        409,
      );
      expect(errors[0]).toMatchObject({ title: 'conflict', source: { pointer: '/data/type' } });
    });

    it('413 for a body over the 1 MiB limit', async () => {
      const errors = expectErrors(
        await post('/api/v2/test/users', user({ ...valid, 'full-name': 'x'.repeat(1024 * 1024) })),
        413,
      );
      expect(errors[0].title).toBe('payload too large');
    });

    it('415 for a body of another media type, or of none', async () => {
      expectErrors(
        await post('/api/v2/test/users', 'username=ada', 'application/x-www-form-urlencoded'),
        415,
      );
      expectErrors(await post('/api/v2/test/users', 'ada', 'text/plain'), 415);
      const errors = expectErrors(await post('/api/v2/test/users', 'ada', null), 415);
      expect(errors[0]).toMatchObject({
        title: 'unsupported media type',
        source: { header: 'Content-Type' },
      });
    });

    it('bodiless POSTs with a Content-Type (go-tfe actions) reach the handler without a body', async () => {
      for (const type of [JSON_API, 'application/json', 'text/plain']) {
        bodilessSeen = 'unset';
        const res = await app.inject({
          method: 'POST',
          url: '/api/v2/test/actions/bodiless',
          headers: { 'content-type': type },
        });
        expect(res.statusCode).toBe(204);
        expect(bodilessSeen).toBeUndefined();
        bodilessSeen = 'unset';
        expect((await post('/api/v2/test/actions/bodiless', '', type)).statusCode).toBe(204);
        expect(bodilessSeen).toBeUndefined();
      }
    });

    it('DELETE bodies are read (team membership removal)', async () => {
      const res = await app.inject({
        method: 'DELETE',
        url: '/api/v2/test/users',
        headers: { 'content-type': JSON_API },
        payload: JSON.stringify({
          data: [
            { type: 'users', id: 'ada' },
            { type: 'users', id: 'grace' },
          ],
        }),
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ meta: { removed: ['ada', 'grace'] } });
      const bad = await app.inject({
        method: 'DELETE',
        url: '/api/v2/test/users',
        headers: { 'content-type': JSON_API },
        payload: JSON.stringify({ data: [{ type: 'teams', id: 'x' }] }),
      });
      expect(expectErrors(bad, 422)[0].source).toEqual({ pointer: '/data/0/type' });
    });

    it('plain-JSON bodies are validated with pointers to the member', async () => {
      expect((await post('/api/v2/test/plain', { username: 'ada' }, 'application/json')).json()).toEqual({
        username: 'ada',
      });
      const errors = expectErrors(
        await post('/api/v2/test/plain', { username: '' }, 'application/json'),
        422,
      );
      expect(errors[0].source).toEqual({ pointer: '/username' });
    });
  });

  describe('routes and query strings', () => {
    it('an unknown route is a 404 exactly as TFC', async () => {
      for (const req of [
        { method: 'GET' as const, url: '/api/v2/nope' },
        { method: 'PUT' as const, url: '/api/v2/ping' },
        { method: 'GET' as const, url: '/' },
      ]) {
        const res = await app.inject(req);
        expect(expectErrors(res, 404)).toEqual([{ status: '404', title: 'not found' }]);
      }
    });

    it('invalid query parameters are a 400 naming the parameter', async () => {
      const errors = expectErrors(
        await app.inject({ url: '/api/v2/test/search?q=01234567890&filter%5Bstatus%5D=gone' }),
        400,
      );
      expect(errors.map((e) => e.source)).toEqual([{ parameter: 'q' }, { parameter: 'filter[status]' }]);
      expect((await app.inject({ url: '/api/v2/test/search?q=ok' })).json()).toEqual({
        meta: { q: { q: 'ok' } },
      });
    });

    it('an unknown include is a 400 mentioning "include parameter" (go-tfe ErrInvalidIncludeValue)', async () => {
      const errors = expectErrors(
        await app.inject({ url: '/api/v2/test/memberships/ou-1?include=users' }),
        400,
      );
      expect(errors).toEqual([
        {
          status: '400',
          title: 'bad request',
          detail: 'Invalid include parameter: users',
          source: { parameter: 'include' },
        },
      ]);
      expect(
        (await app.inject({ url: '/api/v2/test/memberships/ou-1?include=user%2Cteams' })).json().meta.include,
      ).toEqual(['user', 'teams']);
    });

    it('bad page parameters are a 400', async () => {
      expect(
        expectErrors(await app.inject({ url: '/api/v2/test/memberships/ou-1?page%5Bsize%5D=-5' }), 400)[0]
          .source,
      ).toEqual({
        parameter: 'page[size]',
      });
    });

    it('NUL in a path parameter or a query value is a 400', async () => {
      expectErrors(await app.inject({ url: '/api/v2/test/memberships/ou-%00' }), 400);
      expect(expectErrors(await app.inject({ url: '/api/v2/test/search?q=a%00' }), 400)[0].source).toEqual({
        parameter: 'q',
      });
    });

    it('a malformed percent-encoding in the path is refused by the router with a 400 (not JSON:API: see README)', async () => {
      expect((await app.inject({ url: '/api/v2/test/memberships/%E0%A4%A' })).statusCode).toBe(400);
    });
  });

  describe('thrown errors', () => {
    const get = (kind: string) => app.inject({ url: `/api/v2/test/throw/${kind}` });

    it('DomainErrors map by code: not found is bare', async () => {
      expect(expectErrors(await get('domain-not-found'), 404)).toEqual([
        { status: '404', title: 'not found' },
      ]);
    });

    it('a taken username is a 422 on the attribute, in TFC words', async () => {
      expect(expectErrors(await get('domain-taken'), 422)).toEqual([
        {
          status: '422',
          title: 'invalid attribute',
          detail: 'Username has already been taken',
          code: 'UNIQUENESS.USERNAME_TAKEN',
          source: { pointer: '/data/attributes/username' },
        },
      ]);
    });

    it('RPC error objects from the bus map by the same table', async () => {
      expect(expectErrors(await get('rpc-taken'), 422)[0]).toMatchObject({
        detail: 'Email has already been taken',
        source: { pointer: '/data/attributes/email' },
      });
      expect(expectErrors(await get('rpc-forbidden'), 403)).toEqual([
        {
          status: '403',
          title: 'forbidden',
          detail: 'Add another owner or delete the organization',
          code: 'MEMBERSHIP.LAST_OWNER_FORBIDDEN',
        },
      ]);
      expect(expectErrors(await get('rpc-unauthorized'), 401)).toEqual([
        { status: '401', title: 'unauthorized' },
      ]);
      expect(expectErrors(await get('rpc-conflict'), 409)[0].detail).toBe(
        'The resource was changed concurrently; retry',
      );
      expect(expectErrors(await get('rpc-unknown-rule'), 422)[0]).toMatchObject({
        title: 'unprocessable entity',
        detail: 'This account is suspended',
      });
    });

    it("a rate-limited domain error is TFC's 429 with X-RateLimit-Reset", async () => {
      const res = await get('rpc-rate-limited');
      expect(expectErrors(res, 429)[0]).toMatchObject({
        title: 'Too many requests',
        detail: "You have exceeded the API's rate limit.",
      });
      expect(res.headers['x-ratelimit-reset']).toBe('2');
    });

    it('infrastructure failures are 503 with nothing internal in the body, and logged', async () => {
      const res = await get('rpc-infra');
      expect(expectErrors(res, 503)).toEqual([{ status: '503', title: 'service unavailable' }]);
      expect(res.body).not.toMatch(/10\.0\.0\.3|ECONNREFUSED/);
      expect(logged).toHaveBeenCalled();
      expect(expectErrors(await get('timeout'), 503)).toEqual([
        { status: '503', title: 'service unavailable' },
      ]);
    });

    it.each([['rpc-internal'], ['rpc-no-handler'], ['bug'], ['non-error']])(
      '%s: 500 with a generic body, the error logged, nothing leaked',
      async (kind) => {
        const res = await get(kind);
        expect(expectErrors(res, 500)).toEqual([{ status: '500', title: 'internal server error' }]);
        expect(res.body).not.toMatch(/secret|srv|stack|handler/);
        expect(logged).toHaveBeenCalledTimes(1);
      },
    );

    it('HttpExceptions keep their status; 4xx messages become the detail, except 401/404; 5xx say nothing', async () => {
      expect(expectErrors(await get('http-400'), 400)).toEqual([
        { status: '400', title: 'bad request', detail: 'Widget is broken' },
      ]);
      expect(expectErrors(await get('http-401'), 401)).toEqual([{ status: '401', title: 'unauthorized' }]);
      expect(expectErrors(await get('http-503'), 503)).toEqual([
        { status: '503', title: 'service unavailable' },
      ]);
      expect(expectErrors(await get('json-api'), 403)).toEqual([
        { status: '403', title: 'forbidden', detail: 'Only owners can do this' },
      ]);
      expect(expectErrors(await get('library-4xx'), 416)).toEqual([{ status: '416', title: 'bad request' }]);
    });

    it('outside /api/, an HttpException with its own body keeps it (the ops /readyz reasons)', async () => {
      const res = await app.inject({ url: '/readyz-like' });
      expect(res.statusCode).toBe(503);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.json()).toEqual({ status: 'unavailable', checks: { db: 'connection refused' } });
    });
  });

  it('no bad input yields a 5xx (randomised bodies, types and paths)', async () => {
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const strings = [
      '',
      'ada',
      '\u0000',
      '\ud800',
      '😀',
      'a'.repeat(300),
      '{',
      '"',
      '\\',
      '__proto__',
      '%00',
      '-1',
      '1e999',
    ];
    const value = (depth: number): unknown => {
      switch (rnd(depth > 3 ? 5 : 8)) {
        case 0:
          return null;
        case 1:
          return rnd(2) === 0;
        case 2:
          return [-1, 0, 1.5, 1e308, Number.MAX_SAFE_INTEGER][rnd(5)];
        case 3:
        case 4:
          return strings[rnd(strings.length)];
        case 5:
          return Array.from({ length: rnd(4) }, () => value(depth + 1));
        default: {
          const keys = [
            'data',
            'type',
            'id',
            'attributes',
            'relationships',
            'username',
            'email',
            'password',
            'full-name',
            'users',
            'constructor',
          ];
          return Object.fromEntries(
            Array.from({ length: rnd(5) }, () => [keys[rnd(keys.length)], value(depth + 1)]),
          );
        }
      }
    };
    const types = [
      JSON_API,
      'application/json',
      'text/plain',
      'application/xml',
      'multipart/form-data; boundary=x',
      'application/json; charset=latin1',
    ];
    const paths = [
      '/api/v2/test/users',
      '/api/v2/test/plain',
      '/api/v2/test/actions/bodiless',
      '/api/v2/ping',
    ];
    for (let i = 0; i < 400; i++) {
      const doc = rnd(3) === 0 ? { data: { type: 'users', attributes: value(2) } } : value(0);
      let payload = JSON.stringify(doc) ?? '';
      if (rnd(10) === 0) payload = payload.slice(0, rnd(payload.length + 1));
      const res = await app.inject({
        method: (['POST', 'DELETE', 'PATCH'] as const)[rnd(3)],
        url: paths[rnd(paths.length)],
        headers: { 'content-type': types[rnd(types.length)] },
        payload,
      });
      if (res.statusCode >= 500) throw new Error(`${res.statusCode} for ${payload}: ${res.body}`);
    }
    expect(logged).not.toHaveBeenCalled();
  });
});
