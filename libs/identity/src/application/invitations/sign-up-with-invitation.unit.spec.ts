import { randomBytes } from 'node:crypto';
import type { MembershipIntegrationEvent, RequestMeta } from '@idp/contracts';
import {
  type EventStore,
  InMemoryEventStore,
  openPGliteEventStore,
  type RecordedEvent,
  sha256Hex,
  uuidv7,
} from '@idp/eventing';
import { allEvents, testDeps } from '../../testing/identity-test-deps';
import { registerAccount } from '../register-account/register-account';
import { parseInvitationToken } from './invitation-token';
import { reactToMembershipEvent } from './membership-reactions';

const meta: RequestMeta = { correlationId: 'c-1' };
const PASSWORD = 'correct horse battery staple';
const base58 = (n: number) => {
  const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
  return Array.from(randomBytes(n), (b) => alphabet[b % alphabet.length]).join('');
};
const orgId = () => `org-${base58(16)}`;
const membershipId = () => `ou-${base58(16)}`;

let position = 1_000n;
/** A membership event as the membership relay publishes it (envelope from the organization stream). */
const membershipEvent = (
  event: MembershipIntegrationEvent,
  over: Partial<RecordedEvent> = {},
): RecordedEvent => ({
  id: uuidv7(),
  type: event.type,
  data: event.data,
  schemaVersion: 1,
  metadata: { correlationId: 'corr-m' },
  stream: `organization-${(event.data as { organizationId: string }).organizationId}`,
  revision: 0,
  position: position++,
  occurredAt: new Date(),
  ...over,
});

/** An invitation as the membership service issues it: the clear token (mailed) and the event (hash + sealed). */
const invite = (
  email: string,
  org = orgId(),
  membership = membershipId(),
  expiresAt = '2026-12-03T10:00:00.000Z',
) => {
  const secret = randomBytes(32).toString('base64url');
  const token = `${org}.${secret}`;
  const event = membershipEvent({
    type: 'MemberInvited',
    data: {
      organizationId: org,
      organizationName: 'acme',
      membershipId: membership,
      email,
      teamIds: [],
      invitedBy: 'alice',
      expiresAt,
      tokenHash: sha256Hex(secret),
      sealedToken: 'v1.sealed',
      refreshed: false,
    },
  });
  return { token, event, org, membership };
};

const stores: Array<[string, () => Promise<EventStore>]> = [
  ['in-memory store', async () => new InMemoryEventStore()],
  ['PGlite store (memory://)', () => openPGliteEventStore()],
];

describe.each(stores)('sign-up with an invitation token, on the %s', (_name, open) => {
  let store: EventStore;
  let deps: ReturnType<typeof testDeps>;
  beforeAll(async () => {
    store = await open();
  }, 30_000);
  afterAll(async () => store?.close());
  beforeEach(() => {
    deps = testDeps(store);
  });

  /** The membership event handled by identity, then its read model caught up (the runner tails in production). */
  const learn = async (event: RecordedEvent) => {
    const outcome = await reactToMembershipEvent(deps, event);
    await deps.invitationsRunner.catchUp();
    return outcome;
  };
  const signUp = (username: string, email: string, invitationToken?: string) =>
    registerAccount(deps, { meta, username, email, password: PASSWORD, invitationToken });
  const accountEvents = async (userId: string) => store.readStream(`account-${userId}`);

  const expectConfirmedWith = async (
    account: { id: string; emailConfirmed: boolean },
    invitation: { organizationId: string; membershipId: string },
  ) => {
    expect(account.emailConfirmed).toBe(true);
    const events = await accountEvents(account.id);
    expect(events.map((e) => e.type)).toEqual(['AccountRegistered']);
    expect(events[0]!.data).toMatchObject({ emailConfirmed: true, invitation });
  };
  const expectOrdinary = async (account: { id: string; emailConfirmed: boolean }) => {
    expect(account.emailConfirmed).toBe(false);
    const events = await accountEvents(account.id);
    expect(events.map((e) => e.type)).toEqual(['AccountRegistered', 'EmailConfirmationRequested']);
    expect(events[0]!.data).not.toHaveProperty('invitation');
  };

  it('confirms the e-mail and names the invitation when the token proves it (e-mail in any case)', async () => {
    const { token, event, org, membership } = invite('Bob.Invited@Example.com');
    await expect(learn(event)).resolves.toBe('recorded');
    const account = await signUp('bob-invited', 'bob.invited@EXAMPLE.com', token);
    await expectConfirmedWith(account, { organizationId: org, membershipId: membership });
    // The account is a normal one otherwise: its address is confirmed, nothing else pending.
    expect(account).toMatchObject({ email: 'bob.invited@example.com', unconfirmedEmail: null });
  });

  it('is an ordinary sign-up, without an error, for a well-formed token nobody issued', async () => {
    const token = `${orgId()}.${randomBytes(32).toString('base64url')}`;
    await expectOrdinary(await signUp('nobody-invited', 'nobody@example.com', token));
  });

  it("is an ordinary sign-up for an expired invitation (identity's clock)", async () => {
    const expiresAt = new Date(deps.clock.now().getTime() + 60_000).toISOString();
    const { token, event } = invite('late@example.com', orgId(), membershipId(), expiresAt);
    await learn(event);
    deps.clock.advance(60);
    await expectOrdinary(await signUp('late-comer', 'late@example.com', token));
  });

  it('is an ordinary sign-up when the e-mail is not the invited one', async () => {
    const { token, event } = invite('invited@example.com');
    await learn(event);
    await expectOrdinary(await signUp('someone-else', 'someone.else@example.com', token));
  });

  it('is an ordinary sign-up when the token names another organization than the invitation', async () => {
    const { token, event } = invite('moved@example.com');
    await learn(event);
    const otherOrg = `${orgId()}.${token.split('.')[1]!}`;
    await expectOrdinary(await signUp('moved', 'moved@example.com', otherOrg));
  });

  it.each([
    ['no separator', 'org-Abc123'],
    ['three parts', 'org-Abc123.abcdefghijklmnopqrstuvwxyz.x'],
    ['not an organization id', 'user-Abc123.abcdefghijklmnopqrstuvwxyz'],
    ['a short secret', 'org-Abc123.short'],
    ['characters outside base64url', 'org-Abc123.abcdefghijklmnop/+=qrstuvwxyz'],
    ['a zero in the organization id', 'org-A0c123.abcdefghijklmnopqrstuvwxyz'],
    ['whitespace only', '   '],
  ])('is an ordinary sign-up for a malformed token (%s)', async (_case, token) => {
    expect(parseInvitationToken(token)).toBeUndefined();
    const name = `malformed-${base58(6)}`;
    await expectOrdinary(await signUp(name, `${name}@example.com`, token));
  });

  it('accepts the token with surrounding whitespace (pasted)', async () => {
    const { token, event, org, membership } = invite('pasted@example.com');
    await learn(event);
    const account = await signUp('pasted', 'pasted@example.com', ` ${token}\n`);
    await expectConfirmedWith(account, { organizationId: org, membershipId: membership });
  });

  it('forgets an invitation once accepted, cancelled, or its organization deleted', async () => {
    const accepted = invite('accepted@example.com');
    const cancelled = invite('cancelled@example.com');
    const orphan = invite('orphan@example.com');
    const orphan2 = invite('orphan2@example.com', orphan.org);
    for (const { event } of [accepted, cancelled, orphan, orphan2]) await learn(event);

    await expect(
      learn(
        membershipEvent({
          type: 'InvitationAccepted',
          data: {
            organizationId: accepted.org,
            organizationName: 'acme',
            membershipId: accepted.membership,
            userId: 'user-Someone',
            email: 'accepted@example.com',
            via: 'link',
          },
        }),
      ),
    ).resolves.toBe('recorded');
    await expect(
      learn(
        membershipEvent({
          type: 'MembershipRemoved',
          data: {
            organizationId: cancelled.org,
            membershipId: cancelled.membership,
            userId: null,
            email: 'cancelled@example.com',
            reason: 'invitation-cancelled',
          },
        }),
      ),
    ).resolves.toBe('recorded');
    const deleted = membershipEvent({
      type: 'OrganizationDeleted',
      data: { organizationId: orphan.org, organizationName: 'gone' },
    });
    await expect(learn(deleted)).resolves.toBe('recorded');
    expect((await store.readStream(`invitation-${orphan2.membership}`)).map((e) => e.type)).toEqual([
      'InvitationRecorded',
      'InvitationClosed',
    ]);

    await expectOrdinary(await signUp('accepted-x', 'accepted@example.com', accepted.token));
    await expectOrdinary(await signUp('cancelled-x', 'cancelled@example.com', cancelled.token));
    await expectOrdinary(await signUp('orphan-x', 'orphan@example.com', orphan.token));
    await expectOrdinary(await signUp('orphan2-x', 'orphan2@example.com', orphan2.token));

    // Redelivered, the deletion finds nothing left to close; replayed, the old invite resurrects nothing.
    await expect(learn(deleted)).resolves.toBe('unchanged');
    await expect(learn(orphan.event)).resolves.toBe('unchanged');
    await expectOrdinary(await signUp('orphan-y', 'orphan.y@example.com', orphan.token));
  });

  it('after a refreshed re-invite, only the new token proves the invitation', async () => {
    const first = invite('refresh@example.com');
    await learn(first.event);
    const secret = randomBytes(32).toString('base64url');
    const refreshed = membershipEvent({
      type: 'MemberInvited',
      data: {
        ...(first.event.data as Extract<MembershipIntegrationEvent, { type: 'MemberInvited' }>['data']),
        tokenHash: sha256Hex(secret),
        refreshed: true,
      },
    });
    await expect(learn(refreshed)).resolves.toBe('recorded');
    // The first invite delivered again after the refresh changes nothing.
    await expect(learn(first.event)).resolves.toBe('unchanged');
    await expectOrdinary(await signUp('refresh-old', 'refresh@example.com', first.token));
  });

  it('the refreshed token proves it', async () => {
    const first = invite('refresh2@example.com');
    await learn(first.event);
    const secret = randomBytes(32).toString('base64url');
    await learn(
      membershipEvent({
        type: 'MemberInvited',
        data: {
          ...(first.event.data as Extract<MembershipIntegrationEvent, { type: 'MemberInvited' }>['data']),
          tokenHash: sha256Hex(secret),
          refreshed: true,
        },
      }),
    );
    const account = await signUp('refresh-new', 'refresh2@example.com', `${first.org}.${secret}`);
    await expectConfirmedWith(account, { organizationId: first.org, membershipId: first.membership });
  });

  it('records a redelivered invite once', async () => {
    const { event, membership } = invite('twice@example.com');
    await expect(learn(event)).resolves.toBe('recorded');
    await expect(learn(event)).resolves.toBe('unchanged');
    await expect(Promise.all([learn(event), learn(event)])).resolves.toEqual(['unchanged', 'unchanged']);
    expect(await store.readStream(`invitation-${membership}`)).toHaveLength(1);
  });

  it('records concurrent deliveries of one invite (two replicas) once', async () => {
    const { event, membership } = invite('racing@example.com');
    const outcomes = await Promise.all([
      reactToMembershipEvent(deps, event),
      reactToMembershipEvent(deps, event),
      reactToMembershipEvent(deps, event),
    ]);
    expect(outcomes.sort()).toEqual(['recorded', 'unchanged', 'unchanged']);
    expect(await store.readStream(`invitation-${membership}`)).toHaveLength(1);
  });

  it('records causation and correlation, and never the token or its sealed copy', async () => {
    const { token, event, membership } = invite('audit@example.com');
    await learn(event);
    const [stored] = await store.readStream(`invitation-${membership}`);
    expect(stored!.metadata).toMatchObject({
      causationId: event.id,
      correlationId: 'corr-m',
      actor: { kind: 'system', id: 'identity' },
    });
    const json = JSON.stringify((await allEvents(store)).map(({ data, metadata }) => ({ data, metadata })));
    expect(json).not.toContain(token.split('.')[1]!);
    expect(json).not.toContain('v1.sealed');
  });

  it('ignores membership events it has no use for, and drops (logs) malformed ones without values', async () => {
    const org = orgId();
    await expect(
      learn(
        membershipEvent({
          type: 'TeamCreated',
          data: { organizationId: org, teamId: 'team-1', name: 'dev', visibility: 'secret' },
        }),
      ),
    ).resolves.toBe('ignored');
    const malformed = membershipEvent({
      type: 'MemberInvited',
      data: {
        organizationId: org,
        membershipId: 'ou-1',
        email: 'x@example.com',
        tokenHash: 'SECRET-ISH',
      } as never,
    });
    await expect(learn(malformed)).resolves.toBe('invalid');
    const badStream = membershipEvent({
      type: 'MemberInvited',
      data: {
        ...(invite('x@example.com').event.data as object),
        membershipId: '../account-user-1',
      } as never,
    });
    await expect(learn(badStream)).resolves.toBe('invalid');
    const errors = deps.lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatchObject({ details: { eventId: malformed.id, type: 'MemberInvited' } });
    expect(JSON.stringify(errors)).not.toContain('SECRET-ISH');
  });
});
