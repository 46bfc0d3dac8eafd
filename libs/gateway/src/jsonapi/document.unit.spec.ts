import { dedupeIncluded, listDocument, singleDocument } from './document';
import { paginate } from './pagination';
import { identifier, linksOnly, resource, toMany, toManyOf, toOne } from './resource';

const user = (id: string, username = id) => resource('users', id, { username });

describe('resource objects', () => {
  it('carry type, string id, kebab-case attributes and relationships', () => {
    const r = resource(
      'organization-memberships',
      'ou-1',
      { status: 'active', createdAt: new Date(Date.UTC(2020, 0, 2, 3, 4, 5, 6)) },
      {
        relationships: {
          organization: toOne('organizations', 'acme'),
          user: toOne('users', 'user-1'),
          teams: toMany('teams', ['team-1', 'team-2']),
          authenticatedResource: toOne('users', null),
          absent: undefined,
        },
        links: { self: '/api/v2/organization-memberships/ou-1' },
      },
    );
    expect(r).toEqual({
      type: 'organization-memberships',
      id: 'ou-1',
      attributes: { status: 'active', 'created-at': '2020-01-02T03:04:05.006Z' },
      relationships: {
        organization: { data: { type: 'organizations', id: 'acme' } },
        user: { data: { type: 'users', id: 'user-1' } },
        teams: {
          data: [
            { type: 'teams', id: 'team-1' },
            { type: 'teams', id: 'team-2' },
          ],
        },
        'authenticated-resource': { data: null },
      },
      links: { self: '/api/v2/organization-memberships/ou-1' },
    });
  });

  it('write to-many relationships as arrays even when empty, and allow links only', () => {
    expect(toMany('teams', [])).toEqual({ data: [] });
    expect(toMany('teams', ['t'], { related: '/x' })).toEqual({
      data: [{ type: 'teams', id: 't' }],
      links: { related: '/x' },
    });
    expect(linksOnly({ related: '/api/v2/users/u/authentication-tokens' })).toEqual({
      links: { related: '/api/v2/users/u/authentication-tokens' },
    });
    expect(toManyOf([identifier('users', 'u'), identifier('teams', 't')]).data).toHaveLength(2);
    expect(toOne('users', undefined)).toEqual({ data: null });
  });

  it('refuse ids go-tfe cannot decode (non-strings, empty)', () => {
    expect(() => resource('users', 42 as unknown as string, {})).toThrow(TypeError);
    expect(() => resource('users', '', {})).toThrow(TypeError);
    expect(() => toOne('users', 7 as unknown as string)).toThrow(TypeError);
  });
});

describe('documents', () => {
  it('single: data and, when asked, included without duplicates or the primary resource itself', () => {
    const org = resource('organizations', 'acme', { name: 'acme' });
    const doc = singleDocument(user('u1'), {
      included: [org, org, user('u1'), resource('organizations', 'other', {})],
    });
    expect(doc.data?.id).toBe('u1');
    expect(doc.included!.map((r) => `${r.type}/${r.id}`)).toEqual([
      'organizations/acme',
      'organizations/other',
    ]);
    expect(singleDocument(null)).toEqual({ data: null });
    expect(singleDocument(user('u'), { included: [] })).toEqual({ data: user('u'), included: [] });
  });

  it('list: data is always an array; pagination, status counts and meta go into meta', () => {
    expect(listDocument([])).toEqual({ data: [] });
    const url = { origin: 'https://tfe.example', path: '/api/v2/admin/users', query: [] };
    const doc = listDocument([user('u1'), user('u2')], {
      pagination: paginate({ number: 1, size: 20, explicit: false }, 2, url),
      statusCounts: { total: 2, suspended: 0, admin: 1 },
      included: [resource('organizations', 'acme', {}), user('u2')],
    });
    expect(doc.meta).toEqual({
      pagination: {
        'current-page': 1,
        'page-size': 20,
        'prev-page': null,
        'next-page': null,
        'total-pages': 1,
        'total-count': 2,
      },
      'status-counts': { total: 2, suspended: 0, admin: 1 },
    });
    expect(doc.links?.self).toBe(
      'https://tfe.example/api/v2/admin/users?page%5Bnumber%5D=1&page%5Bsize%5D=20',
    );
    expect(doc.included!.map((r) => r.id)).toEqual(['acme']);
  });

  it('de-duplicates by type and id, not by id alone', () => {
    const a = resource('users', 'same', {});
    const b = resource('teams', 'same', {});
    expect(dedupeIncluded([], [a, b, a])).toEqual([a, b]);
  });
});
