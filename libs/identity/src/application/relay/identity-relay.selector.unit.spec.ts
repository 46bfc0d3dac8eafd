import type { RecordedEvent } from '@idp/eventing';
import type { AccountEvent } from '../../domain/account/account.decider';
import { select } from './identity-relay.selector';

const NOW = '2026-11-26T10:00:00.000Z';
const pending = { tokenHash: 'f'.repeat(64), expiresAt: NOW, sealedToken: 'v1.k.iv.body' };
const recorded = (stream: string, event: { type: string; data: unknown }, revision = 0): RecordedEvent => ({
  id: `0190f3a2-aaaa-7bbb-8ccc-${String(revision).padStart(12, '0')}`,
  stream,
  revision,
  position: BigInt(revision + 1),
  occurredAt: new Date(NOW),
  schemaVersion: 1,
  metadata: { correlationId: 'c-1', actor: { kind: 'user', id: 'user-1' } },
  ...event,
});

const stored: AccountEvent[] = [
  {
    type: 'AccountRegistered',
    data: {
      userId: 'user-1',
      username: 'ada',
      email: 'ada@example.com',
      passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$salt$hash',
      emailConfirmed: false,
      registeredAt: NOW,
    },
  },
  { type: 'EmailConfirmationRequested', data: { email: 'ada@example.com', username: 'ada', ...pending } },
  { type: 'EmailConfirmed', data: { email: 'ada@example.com', confirmedAt: NOW } },
  { type: 'EmailChangeRequested', data: { email: 'new@example.com', username: 'ada', ...pending } },
  {
    type: 'EmailChanged',
    data: { from: 'ada@example.com', to: 'new@example.com', username: 'ada', changedAt: NOW },
  },
  { type: 'UsernameChanged', data: { from: 'ada', to: 'countess' } },
  {
    type: 'PasswordChanged',
    data: {
      passwordHash: '$argon2id$new',
      username: 'ada',
      email: 'a@example.com',
      changedAt: NOW,
      reason: 'reset',
    },
  },
  { type: 'PasswordResetRequested', data: { username: 'ada', email: 'ada@example.com', ...pending } },
  { type: 'AccountSuspended', data: { suspendedAt: NOW } },
  { type: 'AccountUnsuspended', data: { unsuspendedAt: NOW } },
  { type: 'SiteAdminGranted', data: {} },
  { type: 'SiteAdminRevoked', data: {} },
  {
    type: 'AccountDeleted',
    data: { username: 'ada', email: 'a@example.com', unconfirmedEmail: null, deletedAt: NOW },
  },
];

describe('identity relay selector', () => {
  it('maps every account event to its integration event, keeping the envelope and stripping hashes', () => {
    const out = stored.map((e, i) => select(recorded('account-user-Abc123', e, i)));
    expect(out.map((e) => e?.type)).toEqual(stored.map((e) => e.type));
    out.forEach((e, i) => {
      expect(e).toMatchObject({
        id: `0190f3a2-aaaa-7bbb-8ccc-${String(i).padStart(12, '0')}`,
        stream: 'account-user-Abc123',
      });
      expect(e!.metadata).toEqual({ correlationId: 'c-1', actor: { kind: 'user', id: 'user-1' } });
      expect(e!.data).toMatchObject({ userId: 'user-Abc123' });
      expect(JSON.stringify(e!.data)).not.toMatch(/passwordHash|tokenHash|argon2|f{64}/);
    });
    expect(out[0]!.data).toEqual({
      userId: 'user-Abc123',
      username: 'ada',
      email: 'ada@example.com',
      emailConfirmed: false,
      registeredAt: NOW,
    });
    expect(out[1]!.data).toEqual({
      userId: 'user-Abc123',
      username: 'ada',
      email: 'ada@example.com',
      sealedToken: 'v1.k.iv.body',
      expiresAt: NOW,
    });
    expect(out[6]!.data).toEqual({
      userId: 'user-Abc123',
      username: 'ada',
      email: 'a@example.com',
      reason: 'reset',
    });
    expect(out[12]!.data).toEqual({ userId: 'user-Abc123' });
  });

  it('names the invitation a sign-up proved on AccountRegistered, for the membership service', () => {
    const invitation = { organizationId: 'org-Abc123', membershipId: 'ou-Xyz789' };
    const registered = stored[0] as Extract<AccountEvent, { type: 'AccountRegistered' }>;
    const out = select(
      recorded('account-user-1', {
        type: 'AccountRegistered',
        data: { ...registered.data, emailConfirmed: true, invitation },
      }),
    );
    expect(out!.data).toEqual({
      userId: 'user-1',
      username: 'ada',
      email: 'ada@example.com',
      emailConfirmed: true,
      registeredAt: NOW,
      invitation,
    });
    expect(select(recorded('account-user-1', stored[0]!))!.data).not.toHaveProperty('invitation');
  });

  it("keeps identity's invitation records private", () => {
    expect(
      select(
        recorded('invitation-ou-1', { type: 'InvitationRecorded', data: { tokenHash: 'f'.repeat(64) } }),
      ),
    ).toBeUndefined();
  });

  it('is deterministic (a batch relayed again maps to the same messages)', () => {
    const e = recorded('account-user-1', stored[0]!);
    expect(select(e)).toEqual(select(e));
  });

  it('keeps reservations, login throttling and the IACT private', () => {
    expect(select(recorded('unique-username-ada', { type: 'ValueClaimed', data: {} }))).toBeUndefined();
    expect(
      select(recorded(`login-${'a'.repeat(64)}`, { type: 'LoginFailed', data: { at: NOW } })),
    ).toBeUndefined();
    expect(
      select(recorded('iact', { type: 'InitialAdminTokenIssued', data: { tokenHash: 'x' } })),
    ).toBeUndefined();
    expect(select(recorded('account-user-1', { type: 'SomethingPrivate', data: {} }))).toBeUndefined();
  });
});
