import { spec } from '@idp/eventing/testing';
import {
  type InvitationCommand,
  invitationDecider,
  type InvitationEvent,
  normalizeInvitedEmail,
} from './invitation.decider';

const ORG = 'org-Abc123';
const EXPIRES = '2026-12-03T10:00:00.000Z';
const at = (position: number, eventId = `e-${position}`) => ({ eventId, position: String(position) });

const recorded = (
  position: number,
  over: Partial<{ tokenHash: string; email: string }> = {},
): InvitationEvent => ({
  type: 'InvitationRecorded',
  data: {
    membershipId: 'ou-1',
    organizationId: ORG,
    email: 'bob@example.com',
    tokenHash: 'a'.repeat(64),
    expiresAt: EXPIRES,
    source: at(position),
    ...over,
  },
});
const closed = (
  position: number,
  reason: 'accepted' | 'invitation-cancelled' = 'accepted',
): InvitationEvent => ({
  type: 'InvitationClosed',
  data: { membershipId: 'ou-1', organizationId: ORG, reason, source: at(position) },
});

const record = (
  position: number,
  over: Partial<{ tokenHash: string; email: string }> = {},
): InvitationCommand => ({
  type: 'RecordInvitation',
  data: {
    ...(recorded(position, over).data as Extract<InvitationEvent, { type: 'InvitationRecorded' }>['data']),
  },
});
const close = (
  position: number,
  reason: 'accepted' | 'invitation-cancelled' | 'organization-deleted' = 'accepted',
): InvitationCommand => ({
  type: 'CloseInvitation',
  data: { membershipId: 'ou-1', organizationId: ORG, reason, source: at(position) },
});

const invitation = spec(invitationDecider);

describe('invitation (identity side): recording what membership.events said', () => {
  it('records an invitation with its e-mail normalised (trimmed, lower-cased)', () => {
    invitation
      .given([])
      .when(record(10, { email: ' Bob@Example.COM ' }))
      .then([recorded(10, { email: 'bob@example.com' })]);
  });

  it('records nothing for a redelivery or an older event (position guard)', () => {
    invitation
      .given([recorded(10)])
      .when(record(10))
      .thenNothingHappened();
    invitation
      .given([recorded(10)])
      .when(record(9, { tokenHash: 'b'.repeat(64) }))
      .thenNothingHappened();
  });

  it('replaces token and expiry on a refreshed re-invite (a later position)', () => {
    invitation
      .given([recorded(10)])
      .when(record(12, { tokenHash: 'b'.repeat(64) }))
      .thenState((s) =>
        expect(s).toMatchObject({ status: 'pending', tokenHash: 'b'.repeat(64), position: 12n }),
      );
  });

  it('closes a pending invitation once; a replay of the close or of the invite after it changes nothing', () => {
    invitation
      .given([recorded(10)])
      .when(close(11))
      .then([closed(11)]);
    invitation
      .given([recorded(10), closed(11)])
      .when(close(11))
      .thenNothingHappened();
    invitation
      .given([recorded(10), closed(11)])
      .when(record(10))
      .thenNothingHappened();
    invitation
      .given([recorded(10), closed(11)])
      .when(record(10))
      .thenState((s) => expect(s).toMatchObject({ status: 'closed', position: 11n }));
  });

  it('records nothing when a membership it never saw invited is removed', () => {
    invitation.given([]).when(close(5, 'invitation-cancelled')).thenNothingHappened();
  });

  it('opens again on an invite after a cancellation (a later position)', () => {
    invitation
      .given([recorded(10), closed(11, 'invitation-cancelled')])
      .when(record(20, { tokenHash: 'c'.repeat(64) }))
      .then([recorded(20, { tokenHash: 'c'.repeat(64) })]);
  });

  it('compares positions as integers, not as text', () => {
    invitation
      .given([recorded(9)])
      .when(record(10))
      .then([recorded(10)]);
    invitation
      .given([recorded(10)])
      .when(record(9))
      .thenNothingHappened();
  });

  it('normalises e-mails the way a sign-up is compared', () => {
    expect(normalizeInvitedEmail('  Ä.B@Example.Com ')).toBe('ä.b@example.com');
    expect(normalizeInvitedEmail('A\u0308@x.io')).toBe(normalizeInvitedEmail('\u00c4@X.IO'));
  });
});
