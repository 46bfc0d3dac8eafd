import type { MembershipIntegrationEvent } from '@idp/contracts';
import type { RecordedEvent, RelaySelector } from '@idp/eventing';
import type { OrganizationEvent } from '../domain/organization/organization.types';
import { CONTEXT_METADATA_KEY, contextOfEvent } from './organization-context';
import type { UserMirrorEvent } from './user-mirror';

const ORGANIZATION_STREAM = /^organization-(.+)$/;

/** Compile-time exhaustiveness: a stored type missing from the switch fails to compile; at run time it stays private. */
const unpublished = (_event: never): undefined => undefined;

/**
 * A stored organization event as the integration event other services see (`membership.events`), or undefined
 * when it stays private. Exhaustive over `OrganizationEvent`: a new stored type does not compile until it is decided
 * here whether (and as what) it leaves the service. Never the invitation token in clear: `MemberInvited` carries it
 * sealed and as its hash, as stored.
 */
export const toMembershipIntegrationEvent = (
  organizationId: string,
  event: OrganizationEvent,
  metadata: RecordedEvent['metadata'],
): MembershipIntegrationEvent | undefined => {
  const context = contextOfEvent(metadata);
  const organizationName = context?.organizationName ?? '';
  switch (event.type) {
    case 'OrganizationCreated': {
      const { name, email, ownersTeamId, userId, membershipId, createdAt } = event.data;
      return {
        type: event.type,
        data: {
          organizationId,
          organizationName: name,
          email,
          ownersTeamId,
          userId,
          membershipId,
          createdAt,
        },
      };
    }
    case 'OrganizationUpdated': {
      const { name, previousName, email, settings } = event.data;
      const changed = [
        ...(name !== undefined ? ['name'] : []),
        ...(email !== undefined ? ['email'] : []),
        ...Object.keys(settings ?? {}),
      ];
      return {
        type: event.type,
        data: {
          organizationId,
          organizationName: name ?? organizationName,
          ...(previousName !== undefined ? { previousName } : {}),
          changed,
          collaboratorAuthPolicy:
            settings?.collaboratorAuthPolicy ?? context?.collaboratorAuthPolicy ?? 'password',
        },
      };
    }
    case 'OrganizationDeleted':
      return { type: event.type, data: { organizationId, organizationName: event.data.name } };
    case 'OrganizationTokenTtlPoliciesSet':
      // The whole set after the change (ADR 012): the token service's read model replaces what it had.
      return {
        type: event.type,
        data: { organizationId, organizationName, policies: event.data.policies },
      };
    case 'TeamCreated':
      return {
        type: event.type,
        data: {
          organizationId,
          teamId: event.data.teamId,
          name: event.data.name,
          visibility: event.data.visibility,
        },
      };
    case 'TeamUpdated': {
      const { teamId, changes } = event.data;
      return {
        type: event.type,
        data: {
          organizationId,
          teamId,
          name: changes.name ?? context?.team?.name ?? '',
          visibility: changes.visibility ?? context?.team?.visibility ?? 'secret',
        },
      };
    }
    case 'TeamDeleted':
      return { type: event.type, data: { organizationId, teamId: event.data.teamId, name: event.data.name } };
    case 'MemberInvited': {
      const { membershipId, email, teamIds, invitedBy, expiresAt, tokenHash, sealedToken, refreshed } =
        event.data;
      return {
        type: event.type,
        data: {
          organizationId,
          organizationName,
          membershipId,
          email,
          teamIds,
          invitedBy,
          expiresAt,
          tokenHash,
          sealedToken,
          refreshed,
        },
      };
    }
    case 'InvitationAccepted': {
      const { membershipId, userId, email, via } = event.data;
      return {
        type: event.type,
        data: { organizationId, organizationName, membershipId, userId, email, via },
      };
    }
    case 'MembershipRemoved': {
      const { membershipId, userId, email, reason } = event.data;
      return { type: event.type, data: { organizationId, membershipId, userId, email, reason } };
    }
    case 'TeamMembersAdded':
    case 'TeamMembersRemoved':
      return {
        type: event.type,
        data: {
          organizationId,
          teamId: event.data.teamId,
          membershipIds: event.data.membershipIds,
          userIds: context?.userIds ?? [],
        },
      };
    default:
      return unpublished(event);
  }
};

/** The user mirror is this service's private record of identity's facts: it never leaves. */
const PRIVATE_TYPES: ReadonlySet<string> = new Set<UserMirrorEvent['type']>([
  'UserMirrored',
  'UserForgotten',
]);

/**
 * The membership relay's selector: organization events leave as `MembershipIntegrationEvent`s; reservations and
 * the user mirror stay private. The envelope (id, stream, revision, position) is kept so consumers dedupe by id and
 * order by stream; the stamped context is dropped from the metadata (it is now in the data). Pure and deterministic.
 */
export const publicMembershipEvent: RelaySelector = (event: RecordedEvent) => {
  if (PRIVATE_TYPES.has(event.type)) return undefined;
  const organizationId = ORGANIZATION_STREAM.exec(event.stream)?.[1];
  if (!organizationId) return undefined;
  const mapped = toMembershipIntegrationEvent(
    organizationId,
    event as unknown as OrganizationEvent,
    event.metadata,
  );
  if (!mapped) return undefined;
  const { [CONTEXT_METADATA_KEY]: _context, ...metadata } = event.metadata;
  return { ...event, type: mapped.type, data: mapped.data, metadata };
};
