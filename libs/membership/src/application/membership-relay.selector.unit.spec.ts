import type { RecordedEvent } from '@idp/eventing';
import { publicMembershipEvent } from './membership-relay.selector';

const envelope = (type: string, data: unknown, metadata: Record<string, unknown> = {}): RecordedEvent => ({
  id: 'e-1',
  type,
  schemaVersion: 1,
  stream: 'organization-org-abc',
  revision: 3,
  position: 42n,
  occurredAt: new Date('2026-11-26T10:00:00.000Z'),
  data,
  metadata: { correlationId: 'c-1', ...metadata },
});

const context = (over: object = {}) => ({
  organization: { organizationName: 'acme', collaboratorAuthPolicy: 'password', ...over },
});

describe('publicMembershipEvent', () => {
  it('names the organization from the stream and the stamped context, and drops the context', () => {
    const out = publicMembershipEvent(
      envelope(
        'InvitationAccepted',
        { membershipId: 'ou-1', userId: 'user-1', email: 'a@x.org', via: 'link', acceptedAt: 'x' },
        context(),
      ),
    )!;
    expect(out).toMatchObject({ id: 'e-1', stream: 'organization-org-abc', revision: 3, position: 42n });
    expect(out.data).toEqual({
      organizationId: 'org-abc',
      organizationName: 'acme',
      membershipId: 'ou-1',
      userId: 'user-1',
      email: 'a@x.org',
      via: 'link',
    });
    expect(out.metadata).toEqual({ correlationId: 'c-1' });
  });

  it('tells what an update changed, with the policy in force after it', () => {
    const out = publicMembershipEvent(
      envelope(
        'OrganizationUpdated',
        { name: 'acme-2', previousName: 'acme', settings: { sessionTimeout: 60 } },
        context({ organizationName: 'acme-2' }),
      ),
    )!;
    expect(out.data).toEqual({
      organizationId: 'org-abc',
      organizationName: 'acme-2',
      previousName: 'acme',
      changed: ['name', 'sessionTimeout'],
      collaboratorAuthPolicy: 'password',
    });
  });

  it('gives team member changes the active users behind them', () => {
    const out = publicMembershipEvent(
      envelope(
        'TeamMembersAdded',
        { teamId: 'team-1', membershipIds: ['ou-1', 'ou-2'] },
        context({ userIds: ['u-1'] }),
      ),
    )!;
    expect(out.data).toEqual({
      organizationId: 'org-abc',
      teamId: 'team-1',
      membershipIds: ['ou-1', 'ou-2'],
      userIds: ['u-1'],
    });
  });

  it('keeps reservations, the user mirror and unknown types private', () => {
    expect(
      publicMembershipEvent({ ...envelope('ValueClaimed', {}), stream: 'unique-organization-acme' }),
    ).toBeUndefined();
    expect(
      publicMembershipEvent({ ...envelope('UserMirrored', {}), stream: 'user-mirror-user-1' }),
    ).toBeUndefined();
    expect(publicMembershipEvent(envelope('SomethingNew', {}))).toBeUndefined();
  });
});
