import { spec } from '@idp/eventing/testing';
import {
  AccountAlreadyExists,
  accountDecider,
  type AccountEvent,
  AccountNotFound,
  AccountSuspended,
  InvalidAccountTransition,
  InvalidCurrentPassword,
  InvalidToken,
  LastSiteAdmin,
  type SiteAdminFacts,
} from './account.decider';
import { InvalidEmail, InvalidUsername } from './account.values';

const NOW = '2026-11-26T10:00:00.000Z';
const LATER = '2026-11-27T10:00:00.000Z';
const EXPIRES = '2026-11-26T12:00:00.000Z';
const token = (hash = 'h1') => ({ tokenHash: hash, expiresAt: EXPIRES, sealedToken: `sealed:${hash}` });

const registered = (
  over: Partial<Extract<AccountEvent, { type: 'AccountRegistered' }>['data']> = {},
): AccountEvent => ({
  type: 'AccountRegistered',
  data: {
    userId: 'user-1',
    username: 'ada',
    email: 'ada@example.com',
    passwordHash: '$argon2id$old',
    emailConfirmed: false,
    registeredAt: NOW,
    ...over,
  },
});
const confirmationRequested = (hash = 'h1'): AccountEvent => ({
  type: 'EmailConfirmationRequested',
  data: { email: 'ada@example.com', username: 'ada', ...token(hash) },
});
const confirmed: AccountEvent = {
  type: 'EmailConfirmed',
  data: { email: 'ada@example.com', confirmedAt: NOW },
};
const suspended: AccountEvent = { type: 'AccountSuspended', data: { suspendedAt: NOW } };
const deleted: AccountEvent = {
  type: 'AccountDeleted',
  data: { username: 'ada', email: 'ada@example.com', unconfirmedEmail: null, deletedAt: NOW },
};

const account = spec(accountDecider);

describe('account: registration', () => {
  const register = (over: Record<string, unknown> = {}) => ({
    type: 'RegisterAccount' as const,
    data: {
      userId: 'user-1',
      username: 'ada',
      email: 'ada@Example.COM',
      passwordHash: '$argon2id$h',
      emailConfirmed: false,
      confirmation: token(),
      now: NOW,
      ...over,
    },
  });

  it('registers and asks for the address to be confirmed; the domain of the e-mail is lower-cased', () => {
    account
      .given([])
      .when(register())
      .then([
        {
          type: 'AccountRegistered',
          data: {
            userId: 'user-1',
            username: 'ada',
            email: 'ada@example.com',
            passwordHash: '$argon2id$h',
            emailConfirmed: false,
            registeredAt: NOW,
          },
        },
        {
          type: 'EmailConfirmationRequested',
          data: { email: 'ada@example.com', username: 'ada', ...token('h1') },
        },
      ]);
  });

  it('needs no confirmation when the address is already proven (invitation link)', () => {
    account
      .given([])
      .when(register({ emailConfirmed: true, confirmation: undefined }))
      .thenState((s) => {
        expect(s).toMatchObject({ status: 'active', emailConfirmed: true });
        expect(s).not.toHaveProperty('pendingConfirmation');
      });
  });

  it('records the invitation a sign-up proved on AccountRegistered, with the e-mail confirmed and no confirmation', () => {
    const invitation = { organizationId: 'org-Abc123', membershipId: 'ou-Xyz789' };
    account
      .given([])
      .when(register({ emailConfirmed: true, confirmation: undefined, invitation }))
      .then([
        {
          type: 'AccountRegistered',
          data: {
            userId: 'user-1',
            username: 'ada',
            email: 'ada@example.com',
            passwordHash: '$argon2id$h',
            emailConfirmed: true,
            registeredAt: NOW,
            invitation,
          },
        },
      ]);
  });

  it('names no invitation on an ordinary sign-up (the field is absent, as in events written before it)', () => {
    const events = accountDecider.decide(register(), accountDecider.initialState());
    expect(events.map((e) => e.type)).toEqual(['AccountRegistered', 'EmailConfirmationRequested']);
    expect(events[0]!.data).not.toHaveProperty('invitation');
  });

  it('folds an AccountRegistered written before invitations existed (no upcaster needed)', () => {
    account
      .given([registered()])
      .when({ type: 'ChangeUsername', data: { username: 'grace' } })
      .then([{ type: 'UsernameChanged', data: { from: 'ada', to: 'grace' } }]);
  });

  it('refuses a second registration of the same account', () => {
    account.given([registered()]).when(register()).thenThrows(AccountAlreadyExists);
  });

  it.each([
    ['', "can't be blank"],
    ['a'.repeat(51), 'too long'],
    ['ada lovelace', 'may only contain'],
    ['adä', 'may only contain'],
    ['ada.l', 'may only contain'],
    ['api-team_x', 'reserved'],
    ['API-org', 'reserved'],
  ])('refuses the username %j (%s)', (username, message) => {
    account
      .given([])
      .when(register({ username }))
      .thenThrows(InvalidUsername, { code: 'ACCOUNT.INVALID_USERNAME', message });
  });

  it.each([
    '',
    'ada',
    'ada@',
    '@example.com',
    'ada@example',
    'a da@example.com',
    'ada@exa mple.com',
    'ada@@example.com',
    `${'a'.repeat(250)}@example.com`,
    'ada\u0000@example.com',
  ])('refuses the e-mail %j', (email) => {
    account.given([]).when(register({ email })).thenThrows(InvalidEmail, { code: 'ACCOUNT.INVALID_EMAIL' });
  });

  it('accepts internationalised addresses, trimmed and NFC-normalised', () => {
    account
      .given([])
      .when(register({ email: '  zoe\u0308@bücher.example  ' }))
      .thenState((s) => expect(s).toMatchObject({ email: 'zoë@bücher.example' }));
  });
});

describe('account: e-mail confirmation', () => {
  it('confirms with the mailed token before it expires', () => {
    account
      .given([registered(), confirmationRequested()])
      .when({ type: 'ConfirmEmail', data: { tokenHash: 'h1', now: NOW } })
      .then([{ type: 'EmailConfirmed', data: { email: 'ada@example.com', confirmedAt: NOW } }]);
  });

  it('refuses a wrong, expired, superseded or already used token', () => {
    const given = [registered(), confirmationRequested()];
    account
      .given(given)
      .when({ type: 'ConfirmEmail', data: { tokenHash: 'nope', now: NOW } })
      .thenThrows(InvalidToken);
    account
      .given(given)
      .when({ type: 'ConfirmEmail', data: { tokenHash: 'h1', now: EXPIRES } })
      .thenThrows(InvalidToken);
    account
      .given([...given, confirmationRequested('h2')])
      .when({ type: 'ConfirmEmail', data: { tokenHash: 'h1', now: NOW } })
      .thenThrows(InvalidToken);
    account
      .given([...given, confirmed])
      .when({ type: 'ConfirmEmail', data: { tokenHash: 'h1', now: NOW } })
      .thenThrows(InvalidToken);
  });

  it('resends a confirmation only while one is needed', () => {
    account
      .given([registered(), confirmationRequested()])
      .when({ type: 'ResendEmailConfirmation', data: { confirmation: token('h2') } })
      .then([
        {
          type: 'EmailConfirmationRequested',
          data: { email: 'ada@example.com', username: 'ada', ...token('h2') },
        },
      ]);
    account
      .given([registered(), confirmationRequested(), confirmed])
      .when({ type: 'ResendEmailConfirmation', data: { confirmation: token('h2') } })
      .thenNothingHappened();
  });
});

describe('account: username and e-mail changes', () => {
  it('changes the username at once; the same name is no change', () => {
    account
      .given([registered()])
      .when({ type: 'ChangeUsername', data: { username: 'grace' } })
      .then([{ type: 'UsernameChanged', data: { from: 'ada', to: 'grace' } }]);
    account
      .given([registered()])
      .when({ type: 'ChangeUsername', data: { username: 'ada' } })
      .thenNothingHappened();
    account
      .given([registered()])
      .when({ type: 'ChangeUsername', data: { username: 'no spaces' } })
      .thenThrows(InvalidUsername);
  });

  it('keeps the old e-mail until the new one is confirmed, then switches', () => {
    const requested: AccountEvent = {
      type: 'EmailChangeRequested',
      data: { email: 'ada@new.example', username: 'ada', ...token('h9') },
    };
    account
      .given([registered(), confirmationRequested(), confirmed])
      .when({ type: 'RequestEmailChange', data: { email: 'ada@NEW.example', confirmation: token('h9') } })
      .then([requested]);
    account
      .given([registered(), confirmed, requested])
      .when({ type: 'ChangeUsername', data: { username: 'ada2' } })
      .thenState((s) =>
        expect(s).toMatchObject({ email: 'ada@example.com', unconfirmedEmail: 'ada@new.example' }),
      );
    account
      .given([registered(), confirmed, requested])
      .when({ type: 'ConfirmEmail', data: { tokenHash: 'h9', now: NOW } })
      .then([
        {
          type: 'EmailChanged',
          data: { from: 'ada@example.com', to: 'ada@new.example', username: 'ada', changedAt: NOW },
        },
      ]);
  });

  it('treats a change to the current address (any case) as no change', () => {
    account
      .given([registered()])
      .when({ type: 'RequestEmailChange', data: { email: 'ADA@example.com', confirmation: token() } })
      .thenNothingHappened();
  });
});

describe('account: passwords', () => {
  it('changes the password only with the right current password', () => {
    account
      .given([registered()])
      .when({
        type: 'ChangePassword',
        data: { currentPasswordValid: true, passwordHash: '$argon2id$new', now: NOW },
      })
      .then([
        {
          type: 'PasswordChanged',
          data: {
            passwordHash: '$argon2id$new',
            username: 'ada',
            email: 'ada@example.com',
            changedAt: NOW,
            reason: 'changed',
          },
        },
      ]);
    account
      .given([registered()])
      .when({
        type: 'ChangePassword',
        data: { currentPasswordValid: false, passwordHash: '$argon2id$new', now: NOW },
      })
      .thenThrows(InvalidCurrentPassword, { code: 'ACCOUNT.INVALID_CURRENT_PASSWORD' });
  });

  it('resets with a single-use, expiring token', () => {
    const requested: AccountEvent = {
      type: 'PasswordResetRequested',
      data: { username: 'ada', email: 'ada@example.com', ...token('r1') },
    };
    const complete = (tokenHash: string, now = NOW) => ({
      type: 'CompletePasswordReset' as const,
      data: { tokenHash, passwordHash: '$argon2id$reset', now },
    });
    account
      .given([registered()])
      .when({ type: 'RequestPasswordReset', data: token('r1') })
      .then([requested]);
    account
      .given([registered(), requested])
      .when(complete('r1'))
      .then([
        {
          type: 'PasswordChanged',
          data: {
            passwordHash: '$argon2id$reset',
            username: 'ada',
            email: 'ada@example.com',
            changedAt: NOW,
            reason: 'reset',
          },
        },
      ]);
    account.given([registered(), requested]).when(complete('r1', LATER)).thenThrows(InvalidToken);
    account.given([registered(), requested]).when(complete('other')).thenThrows(InvalidToken);
    account
      .given([
        registered(),
        requested,
        {
          type: 'PasswordChanged',
          data: {
            passwordHash: 'x',
            username: 'ada',
            email: 'ada@example.com',
            changedAt: NOW,
            reason: 'reset',
          },
        },
      ])
      .when(complete('r1'))
      .thenThrows(InvalidToken);
    account.given([registered()]).when(complete('r1')).thenThrows(InvalidToken);
  });

  it('sends no reset link to a suspended account, and says nothing about it', () => {
    account
      .given([registered(), suspended])
      .when({ type: 'RequestPasswordReset', data: token() })
      .thenNothingHappened();
  });

  it('records a rehash only when the hash changed', () => {
    account
      .given([registered()])
      .when({ type: 'RehashPassword', data: { passwordHash: '$argon2id$old', now: NOW } })
      .thenNothingHappened();
    account
      .given([registered()])
      .when({ type: 'RehashPassword', data: { passwordHash: '$argon2id$v2', now: NOW } })
      .then([
        {
          type: 'PasswordChanged',
          data: {
            passwordHash: '$argon2id$v2',
            username: 'ada',
            email: 'ada@example.com',
            changedAt: NOW,
            reason: 'rehashed',
          },
        },
      ]);
  });
});

describe('account: suspension, site admin, deletion', () => {
  it('suspends and unsuspends, refusing the transitions that make no sense (TFC-API §10)', () => {
    account
      .given([registered()])
      .when({ type: 'SuspendAccount', data: { now: NOW } })
      .then([suspended]);
    account
      .given([registered(), suspended])
      .when({ type: 'SuspendAccount', data: { now: NOW } })
      .thenThrows(InvalidAccountTransition, { message: 'already suspended' });
    account
      .given([registered()])
      .when({ type: 'UnsuspendAccount', data: { now: NOW } })
      .thenThrows(InvalidAccountTransition, { message: 'not suspended' });
    account
      .given([registered(), suspended])
      .when({ type: 'UnsuspendAccount', data: { now: NOW } })
      .then([{ type: 'AccountUnsuspended', data: { unsuspendedAt: NOW } }]);
  });

  it('lets a suspended account change nothing about itself', () => {
    account
      .given([registered(), suspended])
      .when({ type: 'ChangeUsername', data: { username: 'grace' } })
      .thenThrows(AccountSuspended);
    account
      .given([registered(), suspended])
      .when({ type: 'ChangePassword', data: { currentPasswordValid: true, passwordHash: 'x', now: NOW } })
      .thenThrows(AccountSuspended);
  });

  it('grants and revokes the site-admin flag once', () => {
    account
      .given([registered()])
      .when({ type: 'GrantSiteAdmin', data: {} })
      .then([{ type: 'SiteAdminGranted', data: {} }]);
    account
      .given([registered(), { type: 'SiteAdminGranted', data: {} }])
      .when({ type: 'GrantSiteAdmin', data: {} })
      .thenThrows(InvalidAccountTransition);
    account
      .given([registered()])
      .when({ type: 'RevokeSiteAdmin', data: {} })
      .thenThrows(InvalidAccountTransition);
  });

  it('deletes, carrying what must be freed (username, e-mail, pending e-mail), and then knows no account', () => {
    account
      .given([registered()])
      .when({ type: 'DeleteAccount', data: { now: NOW } })
      .then([deleted]);
    account
      .given([registered(), deleted])
      .when({ type: 'ChangeUsername', data: { username: 'x' } })
      .thenThrows(AccountNotFound);
    account
      .given([])
      .when({ type: 'DeleteAccount', data: { now: NOW } })
      .thenThrows(AccountNotFound, { code: 'ACCOUNT.NOT_FOUND' });
  });
});

describe('account: site administration by a site admin (TFC-API §10)', () => {
  const admin = (over: Partial<SiteAdminFacts> = {}): SiteAdminFacts => ({
    actorIsSiteAdmin: true,
    self: false,
    otherActiveAdmins: 1,
    ...over,
  });
  const notAdmin = admin({ actorIsSiteAdmin: false });
  const granted: AccountEvent = { type: 'SiteAdminGranted', data: {} };

  it('answers a non-admin actor ACCOUNT.NOT_FOUND for every action, before any other rule', () => {
    for (const command of [
      { type: 'SuspendAccount', data: { now: NOW, by: notAdmin } },
      { type: 'UnsuspendAccount', data: { now: NOW, by: notAdmin } },
      { type: 'GrantSiteAdmin', data: { by: notAdmin } },
      { type: 'RevokeSiteAdmin', data: { by: notAdmin } },
      { type: 'DeleteAccount', data: { now: NOW, by: notAdmin } },
    ] as const) {
      // Even where the transition itself would be refused (not suspended, not admin): no oracle for non-admins.
      account.given([registered()]).when(command).thenThrows(AccountNotFound, { code: 'ACCOUNT.NOT_FOUND' });
    }
  });

  it('lets a site admin suspend, unsuspend, grant, revoke and delete another user', () => {
    account
      .given([registered()])
      .when({ type: 'SuspendAccount', data: { now: NOW, by: admin() } })
      .then([suspended]);
    account
      .given([registered(), suspended])
      .when({ type: 'UnsuspendAccount', data: { now: NOW, by: admin() } })
      .then([{ type: 'AccountUnsuspended', data: { unsuspendedAt: NOW } }]);
    account
      .given([registered()])
      .when({ type: 'GrantSiteAdmin', data: { by: admin() } })
      .then([granted]);
    account
      .given([registered(), granted])
      .when({ type: 'RevokeSiteAdmin', data: { by: admin({ otherActiveAdmins: 0 }) } })
      .then([{ type: 'SiteAdminRevoked', data: {} }]);
    account
      .given([registered()])
      .when({ type: 'DeleteAccount', data: { now: NOW, by: admin() } })
      .then([deleted]);
  });

  it('keeps the transition errors for admins (400s at the edge)', () => {
    account
      .given([registered(), suspended])
      .when({ type: 'SuspendAccount', data: { now: NOW, by: admin() } })
      .thenThrows(InvalidAccountTransition, { message: 'already suspended' });
    account
      .given([registered()])
      .when({ type: 'RevokeSiteAdmin', data: { by: admin() } })
      .thenThrows(InvalidAccountTransition, { message: 'not an administrator' });
    account
      .given([registered(), granted])
      .when({ type: 'GrantSiteAdmin', data: { by: admin() } })
      .thenThrows(InvalidAccountTransition, { message: 'already an administrator' });
  });

  it('refuses the last active site admin revoking, suspending or deleting themselves', () => {
    const last = admin({ self: true, otherActiveAdmins: 0 });
    account
      .given([registered(), granted])
      .when({ type: 'RevokeSiteAdmin', data: { by: last } })
      .thenThrows(LastSiteAdmin, { code: 'ACCOUNT.LAST_SITE_ADMIN' });
    account
      .given([registered(), granted])
      .when({ type: 'SuspendAccount', data: { now: NOW, by: last } })
      .thenThrows(LastSiteAdmin);
    account
      .given([registered(), granted])
      .when({ type: 'DeleteAccount', data: { now: NOW, by: last } })
      .thenThrows(LastSiteAdmin);
    // With another active admin left, they may.
    account
      .given([registered(), granted])
      .when({ type: 'RevokeSiteAdmin', data: { by: admin({ self: true, otherActiveAdmins: 1 }) } })
      .then([{ type: 'SiteAdminRevoked', data: {} }]);
  });
});
