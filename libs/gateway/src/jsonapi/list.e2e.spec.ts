import { Get, Param, Query } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { JsonApiController } from '../http/json-api-controller';
import { CurrentUrl, PublicRoute } from '../http/request-context';
import { createGatewayTestApp } from '../testing/gateway-test-app';
import { listDocument } from './document';
import { paginate, parsePage, slicePage } from './pagination';
import { parseFilter, parseInclude, type QueryParams } from './query-params';
import type { RequestUrl } from './request-url';
import { resource, toMany, toOne } from './resource';

const users = Array.from({ length: 45 }, (_, i) => ({
  id: `user-${String(i).padStart(16, '0')}`,
  username: `user${i}`,
  email: `user${i}@example.com`,
  createdAt: new Date(Date.UTC(2020, 0, 1, 0, 0, i)),
}));

/** How a list endpoint uses the helpers: parse page, filters and include; paginate; side-load. */
// Authentication is not under test here.
@PublicRoute()
// Under `examples/`: GatewayModule serves the real `organizations/:organization_name/organization-memberships`.
@JsonApiController('examples/organizations/:name/organization-memberships')
class MembershipsController {
  @Get()
  list(@Param('name') org: string, @Query() query: QueryParams, @CurrentUrl() url: RequestUrl) {
    const include = parseInclude(query, ['user', 'teams']);
    const emails = parseFilter(query, 'email');
    const page = parsePage(query);
    const matching = emails ? users.filter((u) => emails.includes(u.email)) : users;
    const memberships = slicePage(matching, page).map((u) =>
      resource(
        'organization-memberships',
        `ou-${u.id.slice(5)}`,
        { status: 'active', email: u.email, createdAt: u.createdAt },
        {
          relationships: {
            organization: toOne('organizations', org),
            user: toOne('users', u.id),
            teams: toMany('teams', ['team-owners']),
          },
        },
      ),
    );
    const included = include.includes('user')
      ? slicePage(matching, page).map((u) =>
          resource('users', u.id, { username: u.username, email: u.email }),
        )
      : undefined;
    return listDocument(memberships, {
      pagination: paginate(page, matching.length, url),
      statusCounts: { total: matching.length, active: matching.length, invited: 0 },
      ...(included ? { included } : {}),
    });
  }
}

describe('a paginated list over HTTP', () => {
  let app: NestFastifyApplication;
  beforeAll(async () => {
    app = await createGatewayTestApp({ controllers: [MembershipsController] });
  });
  afterAll(() => app.close());

  const list = (qs = '', headers: Record<string, string> = { host: 'tfe.example' }) =>
    app.inject({ url: `/api/v2/examples/organizations/acme/organization-memberships${qs}`, headers });

  it('defaults to page 1 of 20, with absolute links, totals and status counts', async () => {
    const res = await list();
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.api+json');
    const body = res.json();
    expect(body.data).toHaveLength(20);
    expect(body.data[0]).toMatchObject({
      type: 'organization-memberships',
      attributes: { status: 'active', 'created-at': '2020-01-01T00:00:00.000Z' },
      relationships: { organization: { data: { type: 'organizations', id: 'acme' } } },
    });
    expect(body.meta).toEqual({
      pagination: {
        'current-page': 1,
        'page-size': 20,
        'prev-page': null,
        'next-page': 2,
        'total-pages': 3,
        'total-count': 45,
      },
      'status-counts': { total: 45, active: 45, invited: 0 },
    });
    const base = 'http://tfe.example/api/v2/examples/organizations/acme/organization-memberships?';
    expect(body.links).toEqual({
      self: `${base}page%5Bnumber%5D=1&page%5Bsize%5D=20`,
      first: `${base}page%5Bnumber%5D=1&page%5Bsize%5D=20`,
      prev: null,
      next: `${base}page%5Bnumber%5D=2&page%5Bsize%5D=20`,
      last: `${base}page%5Bnumber%5D=3&page%5Bsize%5D=20`,
    });
    expect(body.included).toBeUndefined();
  });

  it('a page beyond the end is 200 with data [] and correct totals', async () => {
    const body = (await list('?page%5Bnumber%5D=999&page%5Bsize%5D=100')).json();
    expect(body.data).toEqual([]);
    expect(body.meta.pagination).toEqual({
      'current-page': 999,
      'page-size': 100,
      'prev-page': null,
      'next-page': null,
      'total-pages': 1,
      'total-count': 45,
    });
  });

  it('comma-joined filters (go-tfe style) and include side-load matching identifiers; links keep them', async () => {
    const res = await list('?filter%5Bemail%5D=user3%40example.com%2Cuser7%40example.com&include=user', {
      host: 'tfe.example',
    });
    const body = res.json();
    expect(body.data.map((m: any) => m.attributes.email)).toEqual(['user3@example.com', 'user7@example.com']);
    const ids = body.data.map(
      (m: any) => `${m.relationships.user.data.type},${m.relationships.user.data.id}`,
    );
    expect(body.included.map((r: any) => `${r.type},${r.id}`)).toEqual(ids);
    expect(body.links.self).toBe(
      'http://tfe.example/api/v2/examples/organizations/acme/organization-memberships?filter%5Bemail%5D=user3%40example.com%2Cuser7%40example.com&include=user&page%5Bnumber%5D=1&page%5Bsize%5D=20',
    );
  });

  it('links use PUBLIC_URL when configured, never the Host header', async () => {
    const configured = await createGatewayTestApp({
      controllers: [MembershipsController],
      config: { publicUrl: 'https://tfe.example.com' },
    });
    try {
      const res = await configured.inject({
        url: '/api/v2/examples/organizations/acme/organization-memberships',
        headers: { host: 'evil.example' },
      });
      expect(res.json().links.self).toMatch(/^https:\/\/tfe\.example\.com\/api\/v2\//);
    } finally {
      await configured.close();
    }
  });
});
