import type { MembershipEventType } from '@idp/contracts';
import { type CommandMetadata, handleCommand, type RecordedEvent } from '@idp/eventing';
import { z } from 'zod';
import {
  type InvitationCloseReason,
  type InvitationCommand,
  invitationDecider,
  invitationStream,
  type SourceEvent,
} from '../../domain/invitation/invitation.decider';
import type { IdentityDeps } from '../shared/identity-deps';
import { ORGANIZATION_ID_PATTERN } from './invitation-token';

/**
 * What handling one `membership.events` message came to: `recorded` (identity's invitation streams changed),
 * `unchanged` (a redelivery or replay: already reflected), `ignored` (an event identity has no use for), `invalid`
 * (data not shaped as the contract says: logged and dropped, since it never will be).
 */
export type MembershipReaction = 'recorded' | 'unchanged' | 'ignored' | 'invalid';

const organizationId = z.string().regex(ORGANIZATION_ID_PATTERN);
// Membership ids name a stream here: a plain id, nothing a stream name could be confused by.
const membershipId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const memberInvited = z.object({
  organizationId,
  membershipId,
  email: z.string().min(3).max(320),
  tokenHash: z.string().regex(/^[0-9a-f]{64}$/),
  expiresAt: z.iso.datetime({ offset: true }),
});
const invitationAccepted = z.object({ organizationId, membershipId });
// Any reason closes a pending invitation: a reason added to the contract later must not be dropped.
const membershipRemoved = z.object({ organizationId, membershipId, reason: z.string().min(1).max(64) });
const organizationDeleted = z.object({ organizationId });

type Deps = Pick<IdentityDeps, 'store' | 'clock' | 'invitations' | 'logger'>;

/** Thrown (and caught below) for data not shaped as the contract says. */
class InvalidMembershipEvent extends Error {}

const parse = <S extends z.ZodType>(schema: S, event: RecordedEvent): z.infer<S> => {
  const parsed = schema.safeParse(event.data);
  if (parsed.success) return parsed.data;
  // Paths and messages only: never a value (the data carries a token hash and a sealed token).
  const issue = parsed.error.issues[0]!;
  throw new InvalidMembershipEvent(`${issue.path.join('.') || 'data'}: ${issue.message}`);
};

/** The commands an event means for identity's invitation streams, by membership id; undefined: none. */
const commandsFor = async (
  deps: Deps,
  event: RecordedEvent,
  source: SourceEvent,
): Promise<Array<[string, InvitationCommand]> | undefined> => {
  const close = (membership: string, organization: string, reason: InvitationCloseReason) =>
    [
      membership,
      {
        type: 'CloseInvitation',
        data: { membershipId: membership, organizationId: organization, reason, source },
      },
    ] satisfies [string, InvitationCommand];
  switch (event.type as MembershipEventType) {
    case 'MemberInvited': {
      const data = parse(memberInvited, event);
      return [[data.membershipId, { type: 'RecordInvitation', data: { ...data, source } }]];
    }
    case 'InvitationAccepted': {
      const data = parse(invitationAccepted, event);
      return [close(data.membershipId, data.organizationId, 'accepted')];
    }
    case 'MembershipRemoved': {
      const data = parse(membershipRemoved, event);
      return [close(data.membershipId, data.organizationId, data.reason as InvitationCloseReason)];
    }
    case 'OrganizationDeleted': {
      const { organizationId } = parse(organizationDeleted, event);
      const pending = await deps.invitations.ofOrganization(organizationId);
      return pending.map((invitation) => close(invitation.id, organizationId, 'organization-deleted'));
    }
    default:
      return undefined;
  }
};

/**
 * Identity's reaction to `membership.events`: records in its own store (`invitation-<membershipId>`) which
 * invitations are pending, with the hash of their token, so that a sign-up with that token counts the invited
 * e-mail as confirmed. `MemberInvited` records (a refreshed re-invite replaces token and expiry),
 * `InvitationAccepted` and `MembershipRemoved` close, `OrganizationDeleted` closes every pending invitation of the
 * organization. Idempotent: each command carries the membership event's position, and the decider appends
 * nothing for a position already reflected, so redeliveries, replays and concurrent replicas change nothing.
 *
 * Data that does not match the contract is logged (paths, never values) and dropped. Throws only what is worth a
 * redelivery (the store unreachable, a concurrency conflict that kept losing).
 */
export const reactToMembershipEvent = async (
  deps: Deps,
  event: RecordedEvent,
): Promise<MembershipReaction> => {
  const source: SourceEvent = { eventId: event.id, position: event.position.toString() };
  let commands: Array<[string, InvitationCommand]> | undefined;
  try {
    commands = await commandsFor(deps, event, source);
  } catch (err) {
    if (!(err instanceof InvalidMembershipEvent)) throw err;
    deps.logger.error('identity: dropped a membership event whose data does not match its contract', {
      eventId: event.id,
      type: event.type,
      issue: err.message,
    });
    return 'invalid';
  }
  if (!commands) return 'ignored';
  const metadata: CommandMetadata = {
    actor: { kind: 'system', id: 'identity' },
    causationId: event.id,
    ...(typeof event.metadata.correlationId === 'string' && { correlationId: event.metadata.correlationId }),
    now: deps.clock.now().toISOString(),
  };
  let changed = false;
  // One at a time: a failure part-way is redelivered, and what was done already is then unchanged.
  for (const [membership, command] of commands) {
    const result = await handleCommand(deps.store, invitationStream(membership), invitationDecider, {
      ...command,
      metadata,
    });
    if (result.events.length > 0) changed = true;
  }
  return changed ? 'recorded' : 'unchanged';
};
