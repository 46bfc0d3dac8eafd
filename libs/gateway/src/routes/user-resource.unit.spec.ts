import type { AccountView } from '@idp/contracts';
import { linksOnly, resource, toOne } from '../jsonapi/resource';
import { accountResource, selfPermissions, userPath } from './user-resource';

/** The private projection as the generic `resource()` renders it from camelCase attributes (the reference). */
const genericAccountResource = (account: AccountView, options: { authenticated?: boolean } = {}) =>
  resource(
    'users',
    account.id,
    {
      username: account.username,
      avatarUrl: account.avatarUrl,
      isServiceAccount: account.isServiceAccount,
      authMethod: 'tfc',
      v2Only: true,
      email: account.email,
      unconfirmedEmail: account.unconfirmedEmail,
      isConfirmed: account.emailConfirmed,
      isAdmin: account.isAdmin,
      isSiteAdmin: account.isAdmin,
      isSsoLogin: false,
      twoFactor: { enabled: account.twoFactor.enabled, verified: account.twoFactor.verified },
      permissions: selfPermissions(account.isServiceAccount),
    },
    {
      relationships: {
        authenticationTokens: linksOnly({ related: `${userPath(account.id)}/authentication-tokens` }),
        ...(options.authenticated
          ? { authenticatedResource: toOne('users', account.id, { related: userPath(account.id) }) }
          : {}),
      },
      links: { self: userPath(account.id) },
    },
  );

const account = (overrides: Partial<AccountView> = {}): AccountView => ({
  id: 'user-2nt1jHnLoLbhpt5F',
  username: 'violet',
  email: 'violet@example.com',
  unconfirmedEmail: null,
  emailConfirmed: true,
  avatarUrl: 'https://www.gravatar.com/avatar/abc?s=100&d=mm',
  isAdmin: false,
  isSuspended: false,
  isServiceAccount: false,
  twoFactor: { enabled: false, verified: false },
  createdAt: '2026-12-06T21:00:00.000Z',
  ...overrides,
});

describe('accountResource (written in its wire shape)', () => {
  it.each([
    ['a confirmed user', account(), {}],
    ['authenticated (account/details)', account(), { authenticated: true }],
    [
      'an admin with a pending e-mail and 2FA',
      account({
        isAdmin: true,
        emailConfirmed: false,
        unconfirmedEmail: 'new@example.com',
        twoFactor: { enabled: true, verified: true },
      }),
      { authenticated: true },
    ],
    [
      'a service account (every permission false)',
      { ...account(), isServiceAccount: true as unknown as false },
      { authenticated: true },
    ],
    ['an id that needs encoding in links', account({ id: 'user-a/b c' }), { authenticated: true }],
  ])('%s: the same document and bytes as the generic rendering', (_, view, options) => {
    const fast = accountResource(view, options);
    const generic = genericAccountResource(view, options);
    expect(fast).toStrictEqual(generic);
    expect(JSON.stringify(fast)).toBe(JSON.stringify(generic));
  });

  it('refuses an empty id, as resource() does', () => {
    expect(() => accountResource(account({ id: '' }))).toThrow(TypeError);
  });

  it('never carries the creation time or the suspension flag (not part of the private projection)', () => {
    const { attributes } = accountResource(account({ isSuspended: true }), { authenticated: true });
    expect(attributes).not.toHaveProperty('created-at');
    expect(attributes).not.toHaveProperty('is-suspended');
  });
});
