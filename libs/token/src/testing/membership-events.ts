import type { MembershipIntegrationEvent } from '@idp/contracts';
import { type RecordedEvent, uuidv7 } from '@idp/eventing';

/**
 * For the token service's tests of its membership reactions: turns membership integration events into the recorded
 * events the membership relay would publish, on `organization-<organizationId>`, with increasing revisions and
 * positions, stamped with `now()`.
 */
export const membershipEventRecorder = (now: () => number) => {
  let revision = 0;
  return (e: MembershipIntegrationEvent): RecordedEvent => ({
    id: uuidv7(),
    type: e.type,
    schemaVersion: 1,
    stream: `organization-${(e.data as { organizationId: string }).organizationId}`,
    revision: revision++,
    position: BigInt(revision),
    occurredAt: new Date(now()),
    data: e.data,
    metadata: { correlationId: 'c-membership' },
  });
};
