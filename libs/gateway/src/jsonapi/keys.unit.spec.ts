import {
  camelCase,
  kebabCase,
  type KebabKeys,
  serializeAttributes,
  serializeValue,
  snakeCase,
  wireCase,
} from './keys';

describe('attribute names', () => {
  it.each([
    ['username', 'username'],
    ['isSiteAdmin', 'is-site-admin'],
    ['twoFactor', 'two-factor'],
    ['canView2faSettings', 'can-view2fa-settings'],
    ['v2Only', 'v2-only'],
    ['isSsoLogin', 'is-sso-login'],
    [
      'sendPassingStatusesForUntriggeredSpeculativePlans',
      'send-passing-statuses-for-untriggered-speculative-plans',
    ],
    ['already-kebab', 'already-kebab'],
  ])('camelCase %s is %s on the wire, and back', (camel, wire) => {
    expect(kebabCase(camel)).toBe(wire);
    expect(camelCase(wire)).toBe(camel === 'already-kebab' ? 'alreadyKebab' : camel);
  });

  it('gives the same names when asked again, and past the bound of remembered names', () => {
    // More distinct keys than the memo keeps (2,000): later ones are converted without being remembered.
    const keys = Array.from({ length: 2_500 }, (_, i) => `fieldNumber${i}IsSet`);
    for (const round of [1, 2])
      for (const [i, key] of keys.entries())
        expect([round, kebabCase(key)]).toEqual([round, `field-number${i}-is-set`]);
    expect(kebabCase('isSiteAdmin')).toBe('is-site-admin');
  });

  it('snake_case for the password change', () => {
    expect(snakeCase('passwordConfirmation')).toBe('password_confirmation');
    expect(camelCase('password_confirmation', 'snake')).toBe('passwordConfirmation');
    expect(wireCase('currentPassword', 'snake')).toBe('current_password');
    expect(wireCase('currentPassword')).toBe('current-password');
  });

  it('types follow the runtime mapping', () => {
    const wire: KebabKeys<{ isSiteAdmin: boolean; twoFactor: { isEnabled: boolean }; createdAt: Date }> = {
      'is-site-admin': true,
      'two-factor': { 'is-enabled': false },
      'created-at': '2020-01-01T00:00:00.000Z',
    };
    expect(wire['two-factor']['is-enabled']).toBe(false);
  });
});

describe('serializeAttributes', () => {
  it('writes kebab-case keys deep, dates as TFC timestamps, and drops undefined members', () => {
    expect(
      serializeAttributes({
        username: 'ada',
        createdAt: new Date(Date.UTC(2018, 10, 6, 22, 56, 10, 203)),
        lastUsedAt: null,
        unconfirmedEmail: undefined,
        twoFactor: { enabled: true, verified: false },
        permissions: { canCreateOrganizations: true },
        tags: [{ tagName: 'x' }, 'y'],
      }),
    ).toEqual({
      username: 'ada',
      'created-at': '2018-11-06T22:56:10.203Z',
      'last-used-at': null,
      'two-factor': { enabled: true, verified: false },
      permissions: { 'can-create-organizations': true },
      tags: [{ 'tag-name': 'x' }, 'y'],
    });
  });

  it('keeps null-prototype objects and numbers, booleans, strings as they are', () => {
    const bare = Object.assign(Object.create(null), { userLimit: 5 });
    expect(serializeAttributes({ limits: bare, n: 0, b: false, s: '' })).toEqual({
      limits: { 'user-limit': 5 },
      n: 0,
      b: false,
      s: '',
    });
  });

  it('turns a safe bigint into a number and refuses what JSON cannot carry', () => {
    expect(serializeValue(42n)).toBe(42);
    expect(() => serializeValue(2n ** 64n)).toThrow(RangeError);
    expect(() => serializeValue(new Map())).toThrow(TypeError);
    expect(() => serializeValue(() => 1)).toThrow(TypeError);
    expect(() => serializeValue(new Date('nope'))).toThrow(RangeError);
  });
});
