import { z } from 'zod';
import { attributeErrors, humanize, parameterErrors, railsErrorMap } from './zod-issues';

const details = (schema: z.ZodType, input: unknown) => {
  const r = schema.safeParse(input, { error: railsErrorMap });
  if (r.success) throw new Error('expected a failure');
  return attributeErrors(r.error.issues, { prefix: '/data/attributes' }).map((e) => [
    e.source?.pointer,
    e.detail,
  ]);
};

describe('zod issues as JSON:API errors', () => {
  it('read like Rails validation messages, one per failing attribute', () => {
    const schema = z.object({
      username: z.string().min(3).max(8),
      email: z.email(),
      isAdmin: z.boolean(),
      sessionTimeout: z.number().int().min(5).max(20160),
      visibility: z.enum(['secret', 'organization']),
      tags: z.array(z.string()).max(1),
      code: z.string().length(6),
      name: z.string().min(1),
    });
    expect(
      details(schema, {
        username: 'ab',
        email: 'nope',
        isAdmin: 'true',
        sessionTimeout: 1.5,
        visibility: 'public',
        tags: ['a', 'b'],
        code: '123',
        name: '',
      }),
    ).toEqual([
      ['/data/attributes/username', 'Username is too short (minimum is 3 characters)'],
      ['/data/attributes/email', 'Email is invalid'],
      ['/data/attributes/is-admin', 'Is admin must be true or false'],
      ['/data/attributes/session-timeout', 'Session timeout must be an integer'],
      ['/data/attributes/visibility', 'Visibility is not included in the list'],
      ['/data/attributes/tags', 'Tags is too long (maximum is 1 item)'],
      ['/data/attributes/code', 'Code is the wrong length (should be 6 characters)'],
      ['/data/attributes/name', "Name can't be blank"],
    ]);
  });

  it('missing and null attributes "can\'t be blank"; bounds on numbers', () => {
    const schema = z.object({ username: z.string(), n: z.number().min(5), m: z.number().lt(3) });
    expect(details(schema, { username: null, n: 1, m: 9 })).toEqual([
      ['/data/attributes/username', "Username can't be blank"],
      ['/data/attributes/n', 'N must be greater than or equal to 5'],
      ['/data/attributes/m', 'M must be less than 3'],
    ]);
  });

  it('nested objects and arrays point into the structure with wire names', () => {
    const schema = z.object({
      organizationAccess: z.object({ managePolicies: z.boolean() }),
      ids: z.array(z.string()),
    });
    expect(details(schema, { organizationAccess: { managePolicies: 1 }, ids: ['a', 2] })).toEqual([
      ['/data/attributes/organization-access/manage-policies', 'Manage policies must be true or false'],
      ['/data/attributes/ids/1', 'Ids must be a string'],
    ]);
  });

  it('keeps schema messages: predicates get the attribute as subject, sentences stay as written', () => {
    const schema = z
      .object({
        username: z.string().regex(/^[A-Za-z0-9_-]+$/, 'can only contain letters, numbers, - and _'),
        password: z.string(),
        passwordConfirmation: z.string(),
      })
      .refine((v) => v.password === v.passwordConfirmation, {
        message: "Password confirmation doesn't match Password",
        path: ['passwordConfirmation'],
      });
    expect(details(schema, { username: 'a b', password: 'x', passwordConfirmation: 'x' })).toEqual([
      ['/data/attributes/username', 'Username can only contain letters, numbers, - and _'],
    ]);
    expect(details(schema, { username: 'ab', password: 'x', passwordConfirmation: 'y' })).toEqual([
      ['/data/attributes/password-confirmation', "Password confirmation doesn't match Password"],
    ]);
  });

  it('strict schemas report each unknown attribute by its own pointer; escapes pointer tokens', () => {
    const r = z.object({}).strict().safeParse({ 'a/b': 1, 'c~d': 2 }, { error: railsErrorMap });
    expect(
      attributeErrors(r.error!.issues, { prefix: '/data/attributes', case: 'as-is' }).map(
        (e) => e.source?.pointer,
      ),
    ).toEqual(['/data/attributes/a~1b', '/data/attributes/c~0d']);
  });

  it('query issues are 400 with the parameter name as sent', () => {
    const r = z
      .object({ 'page[number]': z.coerce.number().int().min(1), q: z.string().max(3) })
      .safeParse({ 'page[number]': 'x', q: 'long' }, { error: railsErrorMap });
    expect(parameterErrors(r.error!.issues)).toEqual([
      {
        status: '400',
        title: 'bad request',
        detail: 'page[number] must be a number',
        source: { parameter: 'page[number]' },
      },
      {
        status: '400',
        title: 'bad request',
        detail: 'q is too long (maximum is 3 characters)',
        source: { parameter: 'q' },
      },
    ]);
  });

  it('humanizes wire names', () => {
    expect(humanize('password_confirmation')).toBe('Password confirmation');
    expect(humanize('two-factor')).toBe('Two factor');
    expect(humanize('')).toBe('Value');
  });
});
