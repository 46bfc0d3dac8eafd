import type { MembershipIntegrationEvent } from '@idp/contracts';
import type { EventMetadata, ProcessedEvents, RecordedEvent } from '@idp/eventing';
import type { OrganizationTokenService } from './organization-token.service';
import type { TeamTokenService } from './team-token.service';

/** What a membership event means for a team's API tokens (TFC-API §5.1): its deletion revokes them. */
export const teamTokenChange = (
  event: Pick<RecordedEvent, 'type' | 'data'>,
): { change: 'close-team'; teamId: string } | undefined => {
  const data = event.data as Record<string, unknown> | undefined;
  if (event.type !== 'TeamDeleted' || typeof data?.teamId !== 'string' || !data.teamId) return undefined;
  return { change: 'close-team', teamId: data.teamId };
};

/** What a membership event means for an organization's API tokens, or undefined when it means nothing. */
export const organizationTokenChange = (
  event: Pick<RecordedEvent, 'type' | 'data'>,
):
  | { change: 'close'; organizationId: string }
  | { change: 'rename'; organizationId: string; organizationName: string }
  | undefined => {
  const e = event as unknown as MembershipIntegrationEvent;
  const data = e.data as Record<string, unknown> | undefined;
  if (typeof data?.organizationId !== 'string' || !data.organizationId) return undefined;
  switch (e.type) {
    case 'OrganizationDeleted':
      return { change: 'close', organizationId: e.data.organizationId };
    case 'OrganizationUpdated':
      return e.data.previousName !== undefined && typeof e.data.organizationName === 'string'
        ? {
            change: 'rename',
            organizationId: e.data.organizationId,
            organizationName: e.data.organizationName,
          }
        : undefined;
    default:
      return undefined;
  }
};

/**
 * The token service's reaction to `membership.events`: a deleted organization's tokens are revoked (and its token
 * streams closed, its teams' token streams too), a deleted team's tokens are revoked (its stream closed), a renamed
 * organization's tokens carry the new name. Once per event (`ProcessedEvents` by event id,
 * consumer `token.membership-events`); both changes are idempotent, so a retry after a partial failure is safe.
 */
export class MembershipReactions {
  constructor(
    private readonly tokens: Pick<OrganizationTokenService, 'closeOrganization' | 'renameOrganization'>,
    private readonly processed: Pick<ProcessedEvents, 'once'>,
    private readonly teamTokens?: Pick<TeamTokenService, 'closeTeam' | 'closeOrganization'>,
  ) {}

  /** Resolves true when the event was acted on now, false when irrelevant or already processed. */
  async handle(event: RecordedEvent): Promise<boolean> {
    const target = organizationTokenChange(event);
    const team = teamTokenChange(event);
    if (!target && !team) return false;
    const metadata: EventMetadata = {
      actor: { kind: 'system', id: 'token' },
      causationId: event.id,
      ...(typeof event.metadata.correlationId === 'string'
        ? { correlationId: event.metadata.correlationId }
        : {}),
    };
    return this.processed.once(event, async () => {
      if (team) await this.teamTokens?.closeTeam(team.teamId, 'team-deleted', metadata);
      if (target?.change === 'close') {
        await this.tokens.closeOrganization(target.organizationId, metadata);
        await this.teamTokens?.closeOrganization(target.organizationId, metadata);
      } else if (target)
        await this.tokens.renameOrganization(target.organizationId, target.organizationName, metadata);
    });
  }
}
