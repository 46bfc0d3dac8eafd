import {
  InMemoryCheckpointStore,
  InMemoryEventStore,
  InMemoryParkedEventStore,
  InMemoryReadStoreFactory,
  ProjectionRunner,
} from '@idp/eventing';
import type { InvitationEvent } from '../../domain/invitation/invitation.decider';
import {
  type InvitationDocument,
  invitationsModel,
  invitationsProjection,
  ProjectedInvitations,
} from './invitations.projection';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const EXPIRES = '2026-12-03T10:00:00.000Z';
let position = 0;

const recorded = (membershipId: string, organizationId: string, tokenHash: string): InvitationEvent => ({
  type: 'InvitationRecorded',
  data: {
    membershipId,
    organizationId,
    email: `${membershipId}@example.com`,
    tokenHash,
    expiresAt: EXPIRES,
    source: { eventId: `e-${++position}`, position: String(position) },
  },
});
const closed = (membershipId: string, organizationId: string): InvitationEvent => ({
  type: 'InvitationClosed',
  data: {
    membershipId,
    organizationId,
    reason: 'accepted',
    source: { eventId: `e-${++position}`, position: String(position) },
  },
});

const history: Array<[string, InvitationEvent]> = [
  ['invitation-ou-1', recorded('ou-1', 'org-A', 'a'.repeat(64))],
  ['invitation-ou-2', recorded('ou-2', 'org-A', 'b'.repeat(64))],
  ['invitation-ou-3', recorded('ou-3', 'org-B', 'c'.repeat(64))],
  ['invitation-ou-1', recorded('ou-1', 'org-A', 'd'.repeat(64))], // refreshed
  ['invitation-ou-2', closed('ou-2', 'org-A')],
];

const setUp = async () => {
  const events = new InMemoryEventStore();
  for (const [stream, event] of history) await events.append(stream, [event], 'any');
  await events.append('account-user-1', [{ type: 'AccountRegistered', data: {} }], 'any');
  const readStores = new InMemoryReadStoreFactory();
  const runner = new ProjectionRunner(invitationsProjection, {
    events,
    readStores,
    checkpoints: new InMemoryCheckpointStore(),
    parked: new InMemoryParkedEventStore(),
    logger: quiet,
  });
  return {
    events,
    runner,
    index: new ProjectedInvitations(readStores, runner),
    invitations: await readStores.open<InvitationDocument>(invitationsModel),
  };
};

describe('invitations projection', () => {
  it('keeps one document per pending invitation, with its latest token hash', async () => {
    const { runner, invitations } = await setUp();
    await runner.catchUp();
    expect(await invitations.find({ sort: [['id', 'asc']] })).toEqual([
      {
        id: 'ou-1',
        organizationId: 'org-A',
        emailLower: 'ou-1@example.com',
        tokenHash: 'd'.repeat(64),
        expiresAt: EXPIRES,
      },
      {
        id: 'ou-3',
        organizationId: 'org-B',
        emailLower: 'ou-3@example.com',
        tokenHash: 'c'.repeat(64),
        expiresAt: EXPIRES,
      },
    ]);
  });

  it('changes nothing when events are applied twice, and a rebuild gives the same documents', async () => {
    const { events, runner, invitations } = await setUp();
    await runner.catchUp();
    const before = await invitations.find();
    for (const event of await events.readAll()) {
      if (invitationsProjection.handles.includes(event.type))
        await invitationsProjection.apply(event, { invitations });
    }
    expect(await invitations.find()).toEqual(before);
    await runner.rebuild();
    expect(await invitations.find()).toEqual(before);
  });

  it('answers lookups by organization and token hash, catching up with the store first when needed', async () => {
    const { index } = await setUp();
    expect(await index.byToken('org-B', 'c'.repeat(64))).toMatchObject({ id: 'ou-3' }); // not projected before
    expect(await index.ofOrganization('org-A')).toEqual([expect.objectContaining({ id: 'ou-1' })]);
    expect(await index.byToken('org-A', 'd'.repeat(64))).toMatchObject({ id: 'ou-1' });
    expect(await index.byToken('org-A', 'a'.repeat(64))).toBeUndefined(); // replaced by the refresh
    expect(await index.byToken('org-B', 'd'.repeat(64))).toBeUndefined(); // another organization's
    expect(await index.byToken('org-A', 'b'.repeat(64))).toBeUndefined(); // closed
  });
});
