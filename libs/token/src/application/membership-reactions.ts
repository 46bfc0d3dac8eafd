import { type MembershipIntegrationEvent, TOKEN_TTL_TYPES, type TokenTtlType } from '@idp/contracts';
import type { EventMetadata, ProcessedEvents, RecordedEvent } from '@idp/eventing';
import type { RecordedTokenTtlPolicy } from '../domain/token-ttl-policy/token-ttl-policies.decider';
import type { OrganizationTokenService } from './organization-token.service';
import type { TeamTokenService } from './team-token.service';
import type { TokenTtlPolicies } from './token-ttl-policies';

/** What a membership event means for a team's API tokens (TFC-API §5.1): its deletion revokes them. */
export const teamTokenChange = (
  event: Pick<RecordedEvent, 'type' | 'data'>,
): { change: 'close-team'; teamId: string } | undefined => {
  const data = event.data as Record<string, unknown> | undefined;
  if (event.type !== 'TeamDeleted' || typeof data?.teamId !== 'string' || !data.teamId) return undefined;
  return { change: 'close-team', teamId: data.teamId };
};

const isTtlPolicy = (value: unknown): value is RecordedTokenTtlPolicy => {
  const p = value as Partial<RecordedTokenTtlPolicy> | null;
  return (
    typeof p === 'object' &&
    p !== null &&
    TOKEN_TTL_TYPES.includes(p.tokenType as TokenTtlType) &&
    Number.isSafeInteger(p.maxTtlMs) &&
    (p.maxTtlMs as number) > 0
  );
};

/**
 * What a membership event means for an organization's token TTL policies (ADR 012): the whole set after a change
 * (entries that do not match the contract are left out), or undefined when it is not such an event.
 */
export const tokenTtlPoliciesChange = (
  event: Pick<RecordedEvent, 'type' | 'data'>,
): { change: 'ttl-policies'; organizationId: string; policies: RecordedTokenTtlPolicy[] } | undefined => {
  const data = event.data as Record<string, unknown> | undefined;
  if (event.type !== 'OrganizationTokenTtlPoliciesSet') return undefined;
  if (typeof data?.organizationId !== 'string' || !data.organizationId || !Array.isArray(data.policies))
    return undefined;
  return {
    change: 'ttl-policies',
    organizationId: data.organizationId,
    policies: data.policies.filter(isTtlPolicy).map(({ tokenType, maxTtlMs }) => ({ tokenType, maxTtlMs })),
  };
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
 * streams closed, its teams' token streams too) and its token TTL policies forgotten, a deleted team's tokens are
 * revoked (its stream closed), a renamed organization's tokens carry the new name, and an organization's new token TTL
 * policies are recorded, then every live team and organization token of a bounded type living longer than its
 * maximum is shortened to it (ADR 012). Once per event (`ProcessedEvents` by event id, consumer
 * `token.membership-events`); every change is idempotent, so a retry after a partial failure is safe. The shortening
 * applies the policies as recorded (not the event's), so a retried older event cannot apply a superseded maximum.
 */
export class MembershipReactions {
  constructor(
    private readonly tokens: Pick<
      OrganizationTokenService,
      'closeOrganization' | 'renameOrganization' | 'shortenOrganization'
    >,
    private readonly processed: Pick<ProcessedEvents, 'once'>,
    private readonly teamTokens?: Pick<
      TeamTokenService,
      'closeTeam' | 'closeOrganization' | 'shortenOrganization'
    >,
    private readonly ttlPolicies?: Pick<TokenTtlPolicies, 'record' | 'forget' | 'of'>,
  ) {}

  /** Resolves true when the event was acted on now, false when irrelevant or already processed. */
  async handle(event: RecordedEvent): Promise<boolean> {
    const target = organizationTokenChange(event);
    const team = teamTokenChange(event);
    const ttl = this.ttlPolicies ? tokenTtlPoliciesChange(event) : undefined;
    if (!target && !team && !ttl) return false;
    const metadata: EventMetadata = {
      actor: { kind: 'system', id: 'token' },
      causationId: event.id,
      ...(typeof event.metadata.correlationId === 'string'
        ? { correlationId: event.metadata.correlationId }
        : {}),
    };
    return this.processed.once(event, async () => {
      if (team) await this.teamTokens?.closeTeam(team.teamId, 'team-deleted', metadata);
      if (ttl) await this.applyTtlPolicies(ttl.organizationId, ttl.policies, event, metadata);
      if (target?.change === 'close') {
        await this.tokens.closeOrganization(target.organizationId, metadata);
        await this.teamTokens?.closeOrganization(target.organizationId, metadata);
        await this.ttlPolicies?.forget(target.organizationId, event, metadata);
      } else if (target)
        await this.tokens.renameOrganization(target.organizationId, target.organizationName, metadata);
    });
  }

  private async applyTtlPolicies(
    organizationId: string,
    policies: RecordedTokenTtlPolicy[],
    event: RecordedEvent,
    metadata: EventMetadata,
  ): Promise<void> {
    await this.ttlPolicies!.record(organizationId, policies, event, metadata);
    const recorded = await this.ttlPolicies!.of(organizationId);
    const maxOf = (type: TokenTtlType) => recorded.find((p) => p.tokenType === type)?.maxTtlMs ?? null;
    await this.tokens.shortenOrganization(organizationId, maxOf, metadata);
    const team = maxOf('team');
    if (team !== null) await this.teamTokens?.shortenOrganization(organizationId, team, metadata);
  }
}
