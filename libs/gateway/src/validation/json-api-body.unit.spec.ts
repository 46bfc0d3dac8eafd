import { z } from 'zod';
import { JsonApiException } from '../errors/json-api-error';
import { jsonApiBody, JsonApiBodyPipe, JsonApiIdentifiersPipe, toCamelKeys } from './json-api-body';
import { jsonApiBodySchema } from './openapi';

const createUser = jsonApiBody({
  type: 'users',
  attributes: z.object({
    username: z.string().min(1).max(40),
    email: z.email().max(254),
    password: z.string().min(10).max(128),
    invitationToken: z.string().optional(),
  }),
});

const fail = (fn: () => unknown): JsonApiException => {
  try {
    fn();
  } catch (e) {
    if (e instanceof JsonApiException) return e;
    throw e;
  }
  throw new Error('expected a JsonApiException');
};

describe('JsonApiBodyPipe', () => {
  const pipe = new JsonApiBodyPipe(createUser);

  it('returns type, id, camelCase attributes and relationships', () => {
    expect(
      pipe.transform({
        data: {
          type: 'users',
          id: 'user-1',
          attributes: {
            username: 'ada',
            email: 'ada@example.com',
            password: 'correct horse',
            'invitation-token': 't',
            extra: 1,
          },
        },
      }),
    ).toEqual({
      type: 'users',
      id: 'user-1',
      attributes: {
        username: 'ada',
        email: 'ada@example.com',
        password: 'correct horse',
        invitationToken: 't',
      },
      relationships: {},
    });
  });

  it('reports every failing attribute at once, 422 with kebab-case pointers', () => {
    const err = fail(() =>
      pipe.transform({
        data: { type: 'users', attributes: { username: '', password: 'short', 'invitation-token': 5 } },
      }),
    );
    expect(err.getStatus()).toBe(422);
    expect(err.errors.map((e) => [e.source?.pointer, e.detail])).toEqual([
      ['/data/attributes/username', "Username can't be blank"],
      ['/data/attributes/email', "Email can't be blank"],
      ['/data/attributes/password', 'Password is too short (minimum is 10 characters)'],
      ['/data/attributes/invitation-token', 'Invitation token must be a string'],
    ]);
    expect(err.errors.every((e) => e.status === '422' && e.title === 'invalid attribute')).toBe(true);
  });

  it('does not read camelCase keys as wire names', () => {
    const body = pipe.transform({
      data: {
        type: 'users',
        attributes: { username: 'a', email: 'a@b.io', password: 'x'.repeat(10), invitationToken: 3 },
      },
    });
    expect(body.attributes).toEqual({ username: 'a', email: 'a@b.io', password: 'x'.repeat(10) });
  });

  it.each([
    [undefined, undefined],
    ['text', undefined],
    [[], undefined],
    [{}, '/data'],
    [{ data: [] }, '/data'],
    [{ data: 'x' }, '/data'],
    [{ data: { attributes: {} } }, '/data/type'],
    [{ data: { type: 1 } }, '/data/type'],
    [{ data: { type: 'users', id: 7 } }, '/data/id'],
    [{ data: { type: 'users', attributes: [] } }, '/data/attributes'],
    [{ data: { type: 'users', attributes: 'x' } }, '/data/attributes'],
  ])('%j is a 400 (not a JSON:API document), pointer %s', (body, pointer) => {
    const err = fail(() => pipe.transform(body));
    expect(err.getStatus()).toBe(400);
    expect(err.errors[0].source?.pointer).toBe(pointer);
  });

  it('a wrong type is a 409 at /data/type (JSON:API)', () => {
    const err = fail(() => pipe.transform({ data: { type: 'teams', attributes: {} } }));
    expect(err.getStatus()).toBe(409);
    expect(err.errors[0]).toMatchObject({
      status: '409',
      title: 'conflict',
      source: { pointer: '/data/type' },
    });
    expect(fail(() => pipe.transform({ data: { type: '', attributes: {} } })).getStatus()).toBe(409);
  });

  it('accepts "type": "" and absent attributes where go-tfe sends them', () => {
    const tokens = new JsonApiBodyPipe(
      jsonApiBody({
        type: 'authentication-tokens',
        allowEmptyType: true,
        attributes: z.object({ description: z.string().optional(), expiredAt: z.iso.datetime().optional() }),
      }),
    );
    expect(tokens.transform({ data: { type: '' } })).toEqual({
      type: 'authentication-tokens',
      attributes: {},
      relationships: {},
    });
    expect(tokens.transform({ data: { type: '', attributes: null } }).attributes).toEqual({});
    expect(
      tokens.transform({ data: { type: '', attributes: { 'expired-at': '2026-01-01T00:00:00Z' } } })
        .attributes,
    ).toEqual({
      expiredAt: '2026-01-01T00:00:00Z',
    });
  });

  it('snake_case variant for the password change, with snake_case pointers', () => {
    const password = new JsonApiBodyPipe(
      jsonApiBody({
        type: 'users',
        case: 'snake',
        attributes: z.object({
          currentPassword: z.string().min(1),
          password: z.string().min(10),
          passwordConfirmation: z.string(),
        }),
      }),
    );
    expect(
      password.transform({
        data: {
          type: 'users',
          attributes: { current_password: 'old', password: 'x'.repeat(10), password_confirmation: 'y' },
        },
      }).attributes,
    ).toEqual({ currentPassword: 'old', password: 'x'.repeat(10), passwordConfirmation: 'y' });
    const err = fail(() =>
      password.transform({ data: { type: 'users', attributes: { password: 'x'.repeat(10) } } }),
    );
    expect(err.errors.map((e) => [e.source?.pointer, e.detail])).toEqual([
      ['/data/attributes/current_password', "Current password can't be blank"],
      ['/data/attributes/password_confirmation', "Password confirmation can't be blank"],
    ]);
  });

  it('keeps unicode intact and counts string length in characters (code points), not UTF-16 units', () => {
    const names = new JsonApiBodyPipe(
      jsonApiBody({ type: 'teams', attributes: z.object({ name: z.string().max(4) }) }),
    );
    expect(names.transform({ data: { type: 'teams', attributes: { name: 'Ωmé' } } }).attributes).toEqual({
      name: 'Ωmé',
    });
    expect(names.transform({ data: { type: 'teams', attributes: { name: '😀😀' } } }).attributes).toEqual({
      name: '😀😀',
    });
    expect(
      names.transform({ data: { type: 'teams', attributes: { name: '😀😀😀😀' } } }).attributes.name,
    ).toHaveLength(8);
    expect(
      fail(() => names.transform({ data: { type: 'teams', attributes: { name: '😀😀😀😀😀' } } })).errors[0]
        .detail,
    ).toBe('Name is too long (maximum is 4 characters)');
  });

  describe('relationships', () => {
    const membership = new JsonApiBodyPipe(
      jsonApiBody({
        type: 'organization-memberships',
        attributes: z.object({ email: z.email() }),
        relationships: {
          teams: { type: 'teams', many: true },
          organization: { type: 'organizations' },
          createdBy: { type: ['users', 'teams'], required: true },
        },
      }),
    );
    const base = { type: 'organization-memberships', attributes: { email: 'a@b.io' } };

    it('reads to-one and to-many identifiers by camelCase name', () => {
      expect(
        membership.transform({
          data: {
            ...base,
            relationships: {
              teams: { data: [{ type: 'teams', id: 'team-1' }] },
              organization: { data: null },
              'created-by': { data: { type: 'users', id: 'user-1' } },
              ignored: { data: 'whatever' },
            },
          },
        }).relationships,
      ).toEqual({
        teams: [{ type: 'teams', id: 'team-1' }],
        organization: null,
        createdBy: { type: 'users', id: 'user-1' },
      });
    });

    it('reports bad identifiers and missing required relationships with attribute errors, as one 422', () => {
      const err = fail(() =>
        membership.transform({
          data: {
            type: 'organization-memberships',
            attributes: { email: 'nope' },
            relationships: {
              teams: { data: [{ type: 'users', id: 'u' }, { id: 'x' }] },
              organization: { data: { type: 'organizations' } },
            },
          },
        }),
      );
      expect(err.getStatus()).toBe(422);
      expect(err.errors.map((e) => e.source?.pointer)).toEqual([
        '/data/attributes/email',
        '/data/relationships/teams/data/0/type',
        '/data/relationships/teams/data/1',
        '/data/relationships/organization/data',
        '/data/relationships/created-by',
      ]);
    });

    it('bounds a to-many relationship and checks the shape of ids when the spec says so', () => {
      const bounded = new JsonApiBodyPipe(
        jsonApiBody({
          type: 'organization-memberships',
          relationships: { teams: { type: 'teams', many: true, max: 2, id: /^team-[a-z0-9]+$/ } },
        }),
      );
      const teams = (ids: string[]) => ({
        data: {
          type: 'organization-memberships',
          relationships: { teams: { data: ids.map((id) => ({ type: 'teams', id })) } },
        },
      });
      expect(bounded.transform(teams(['team-1', 'team-2'])).relationships.teams).toHaveLength(2);
      const tooMany = fail(() => bounded.transform(teams(['team-1', 'team-2', 'team-3'])));
      expect(tooMany.errors).toEqual([
        expect.objectContaining({
          status: '422',
          detail: 'Teams is too long (maximum is 2 items)',
          source: { pointer: '/data/relationships/teams/data' },
        }),
      ]);
      const badId = fail(() => bounded.transform(teams(['team-1', 'x/y'])));
      expect(badId.errors.map((e) => [e.source?.pointer, e.detail])).toEqual([
        ['/data/relationships/teams/data/1/id', 'Teams id is invalid'],
      ]);
    });

    it('relationships that are not an object are a 400', () => {
      expect(fail(() => membership.transform({ data: { ...base, relationships: [] } })).getStatus()).toBe(
        400,
      );
    });
  });
});

describe('JsonApiIdentifiersPipe', () => {
  const pipe = new JsonApiIdentifiersPipe({ type: ['users', 'organization-memberships'] });

  it('reads a list of identifiers (team membership bodies)', () => {
    expect(
      pipe.transform({
        data: [
          { type: 'users', id: 'ada' },
          { type: 'organization-memberships', id: 'ou-1' },
        ],
      }),
    ).toEqual([
      { type: 'users', id: 'ada' },
      { type: 'organization-memberships', id: 'ou-1' },
    ]);
  });

  it('400 when data is not a list, 422 per bad item, 422 when empty', () => {
    expect(fail(() => pipe.transform({ data: { type: 'users', id: 'a' } })).getStatus()).toBe(400);
    expect(fail(() => pipe.transform(undefined)).getStatus()).toBe(400);
    const err = fail(() => pipe.transform({ data: [{ type: 'teams', id: 't' }, 'x'] }));
    expect(err.errors.map((e) => e.source?.pointer)).toEqual(['/data/0/type', '/data/1']);
    expect(fail(() => pipe.transform({ data: [] })).getStatus()).toBe(422);
  });

  it('bounds the list and checks the shape of ids when the spec says so', () => {
    const bounded = new JsonApiIdentifiersPipe({ type: 'users', max: 2, id: /^[a-z]+$/ });
    expect(bounded.transform({ data: [{ type: 'users', id: 'ada' }] })).toEqual([
      { type: 'users', id: 'ada' },
    ]);
    const tooMany = fail(() =>
      bounded.transform({ data: ['a', 'b', 'c'].map((id) => ({ type: 'users', id })) }),
    );
    expect(tooMany.getStatus()).toBe(422);
    expect(tooMany.errors.map((e) => e.source?.pointer)).toEqual(['/data']);
    const badId = fail(() =>
      bounded.transform({
        data: [
          { type: 'users', id: 'ada' },
          { type: 'users', id: 'Ada Lovelace' },
        ],
      }),
    );
    expect(badId.errors.map((e) => [e.source?.pointer, e.detail])).toEqual([['/data/1/id', 'id is invalid']]);
  });
});

describe('toCamelKeys', () => {
  it('converts deep, drops upper-case keys and prototype-polluting names', () => {
    const input = JSON.parse(
      '{"a-b":{"c-d":[{"e-f":1}]},"isAdmin":true,"__proto__":{"x":1},"constructor":1}',
    );
    const out = toCamelKeys(input, 'kebab') as Record<string, unknown>;
    expect(out).toEqual({ aB: { cD: [{ eF: 1 }] } });
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});

describe('OpenAPI schema from a spec', () => {
  it('uses wire names for attributes and lists the accepted types', () => {
    const schema = jsonApiBodySchema(createUser) as any;
    const data = schema.properties.data;
    expect(data.properties.type.enum).toEqual(['users']);
    expect(Object.keys(data.properties.attributes.properties)).toEqual([
      'username',
      'email',
      'password',
      'invitation-token',
    ]);
    expect(data.properties.attributes.required).toEqual(['username', 'email', 'password']);
    expect(data.properties.attributes.$schema).toBeUndefined();
  });
});
