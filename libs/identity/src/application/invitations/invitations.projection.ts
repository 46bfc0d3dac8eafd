import {
  defineProjection,
  type ProjectionRunner,
  type ReadDocument,
  type ReadModel,
  type ReadStore,
  type ReadStoreFactory,
  type RecordedEvent,
} from '@idp/eventing';
import type { InvitationEvent } from '../../domain/invitation/invitation.decider';

/**
 * The pending invitations identity knows of, one document per membership (`id` = membership id): what a sign-up
 * with an invitation token is checked against. Projected from identity's own `invitation-*` streams (which record
 * what `membership.events` said), so it is rebuilt from the store like every read model of the service.
 */
export interface InvitationDocument extends ReadDocument {
  id: string;
  organizationId: string;
  /** Trimmed, NFC, lower-cased. */
  emailLower: string;
  /** SHA-256 (hex) of the token's secret part; never the token. */
  tokenHash: string;
  expiresAt: string;
}

export const invitationsModel: ReadModel<InvitationDocument> = {
  name: 'invitations',
  indexes: [{ organizationId: 1, tokenHash: 1 }],
};

const INVITATION_STREAM = /^invitation-(.+)$/;

/** `invitations`: put on `InvitationRecorded`, delete on `InvitationClosed`, each write guarded by position. */
export const invitationsProjection = defineProjection({
  name: 'invitations',
  version: 1,
  handles: ['InvitationRecorded', 'InvitationClosed'],
  readModels: { invitations: invitationsModel },
  async apply(recorded: RecordedEvent, { invitations }) {
    const id = INVITATION_STREAM.exec(recorded.stream)?.[1];
    if (!id) return;
    const event = recorded as unknown as InvitationEvent;
    if (event.type === 'InvitationRecorded') {
      const { organizationId, email, tokenHash, expiresAt } = event.data;
      await invitations.put(
        { id, organizationId, emailLower: email, tokenHash, expiresAt },
        recorded.position,
      );
    } else await invitations.delete(id, recorded.position);
  },
});

/** How use cases look invitations up (a port, so tests and hosts choose the read store). */
export interface InvitationsIndex {
  /**
   * The pending invitation of `organizationId` whose token's secret hashes to `tokenHash`, if any; a miss is asked
   * again after the projection caught up with the store (an invitation recorded a moment ago is found).
   */
  byToken(organizationId: string, tokenHash: string): Promise<InvitationDocument | undefined>;
  /**
   * Every pending invitation of the organization, after the projection caught up with the store: an invitation
   * recorded just before (same partition, handled first) is included.
   */
  ofOrganization(organizationId: string): Promise<InvitationDocument[]>;
}

/** `InvitationsIndex` on the `invitations` read model and the runner that projects it. */
export class ProjectedInvitations implements InvitationsIndex {
  private store: Promise<ReadStore<InvitationDocument>> | undefined;

  constructor(
    private readonly readStores: ReadStoreFactory,
    private readonly runner: Pick<ProjectionRunner, 'catchUp'>,
  ) {}

  async byToken(organizationId: string, tokenHash: string): Promise<InvitationDocument | undefined> {
    const store = await this.open();
    const find = async () => (await store.find({ where: { organizationId, tokenHash }, limit: 1 }))[0];
    const found = await find();
    if (found) return found;
    await this.runner.catchUp(); // cheap when at the head: one head-position read
    return find();
  }

  async ofOrganization(organizationId: string): Promise<InvitationDocument[]> {
    await this.runner.catchUp();
    return (await this.open()).find({ where: { organizationId } });
  }

  private open(): Promise<ReadStore<InvitationDocument>> {
    this.store ??= this.readStores.open(invitationsModel).catch((err: unknown) => {
      this.store = undefined; // unreachable now: the next call tries again
      throw err;
    });
    return this.store;
  }
}
