import type { CollaboratorAuthPolicy, TeamVisibility } from '@idp/contracts';
import type { Decider, EventMetadata } from '@idp/eventing';
import { organizationDecider } from '../domain/organization/organization.decider';
import type {
  OrganizationCommand,
  OrganizationEvent,
  OrganizationState,
} from '../domain/organization/organization.types';

/**
 * What the relay needs to publish an organization event that its stored data does not hold: the organization's
 * name and 2FA policy at that event, a team's current name and visibility, the users behind team memberships. The
 * relay's selector is pure (no state), so the write side stamps these into each event's metadata, computed from the
 * very state the event was decided on and evolved into: a concurrent rename retried by `handleCommand` is decided,
 * and stamped, again on the fresh state.
 */
export interface OrganizationEventContext {
  organizationName: string;
  collaboratorAuthPolicy: CollaboratorAuthPolicy;
  team?: { name: string; visibility: TeamVisibility };
  /** For team member changes: the users of the named memberships that are active. */
  userIds?: string[];
}

export const CONTEXT_METADATA_KEY = 'organization';

export type StampedOrganizationEvent = OrganizationEvent & { metadata?: EventMetadata };

const contextOf = (
  state: OrganizationState,
  event: OrganizationEvent,
): OrganizationEventContext | undefined => {
  if (state.status === 'none') return undefined;
  const context: OrganizationEventContext = {
    organizationName: state.name,
    collaboratorAuthPolicy: state.settings.collaboratorAuthPolicy,
  };
  switch (event.type) {
    case 'TeamCreated':
    case 'TeamUpdated': {
      const team = state.teams.get(event.data.teamId);
      if (team) context.team = { name: team.name, visibility: team.visibility };
      break;
    }
    case 'TeamMembersAdded':
    case 'TeamMembersRemoved':
      context.userIds = event.data.membershipIds.flatMap((id) => {
        const m = state.memberships.get(id);
        return m?.status === 'active' && m.userId ? [m.userId] : [];
      });
      break;
    default:
      break;
  }
  return context;
};

/** The context stamped on a stored organization event, if any. */
export const contextOfEvent = (metadata: EventMetadata | undefined): OrganizationEventContext | undefined => {
  const value = metadata?.[CONTEXT_METADATA_KEY];
  return value && typeof value === 'object' ? (value as OrganizationEventContext) : undefined;
};

/** `organizationDecider` whose events carry their `OrganizationEventContext` in metadata. Still pure. */
export const stampedOrganizationDecider: Decider<
  OrganizationCommand & { metadata?: EventMetadata },
  StampedOrganizationEvent,
  OrganizationState
> = {
  initialState: organizationDecider.initialState,
  evolve: (state, event) => organizationDecider.evolve(state, event),
  decide: (command, state) => {
    let current = state;
    return organizationDecider.decide(command, state).map((event) => {
      current = organizationDecider.evolve(current, event);
      const context = contextOf(current, event);
      return context ? { ...event, metadata: { [CONTEXT_METADATA_KEY]: context } } : event;
    });
  },
};
