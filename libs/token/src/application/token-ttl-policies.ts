import type { TokenTtlType } from '@idp/contracts';
import {
  defineProjection,
  type EventMetadata,
  type EventStore,
  handleCommand,
  type ProjectionRunner,
  type ReadModel,
  type ReadStore,
  type RecordedEvent,
} from '@idp/eventing';
import {
  type RecordedTokenTtlPolicy,
  type TokenTtlPoliciesCommand,
  tokenTtlPoliciesDecider,
  type TokenTtlPoliciesEvent,
  tokenTtlPoliciesStream,
} from '../domain/token-ttl-policy/token-ttl-policies.decider';
import { exceedsMaxTtl } from '../domain/token-ttl-policy/token-ttl';

/** One organization's token TTL policies (TFC-API §5.4) as the token service knows them, keyed by organization id. */
export interface TokenTtlPoliciesDocument {
  /** The organization id. */
  id: string;
  policies: RecordedTokenTtlPolicy[];
}

export const tokenTtlPoliciesModel: ReadModel<TokenTtlPoliciesDocument> = { name: 'token-ttl-policies' };

type Recorded = RecordedEvent & TokenTtlPoliciesEvent;

/** `TokenTtlPoliciesRecorded` → the document; `TokenTtlPoliciesForgotten` (organization deleted) → gone. */
export const tokenTtlPoliciesProjection = defineProjection<{ policies: TokenTtlPoliciesDocument }>({
  name: 'token-ttl-policies',
  version: 1,
  handles: ['TokenTtlPoliciesRecorded', 'TokenTtlPoliciesForgotten'],
  readModels: { policies: tokenTtlPoliciesModel },
  async apply(raw, { policies }) {
    const event = raw as Recorded;
    switch (event.type) {
      case 'TokenTtlPoliciesRecorded':
        await policies.put({ id: event.data.organizationId, policies: event.data.policies }, event.position);
        return;
      case 'TokenTtlPoliciesForgotten':
        await policies.delete(event.data.organizationId, event.position);
        return;
      default:
        return;
    }
  },
});

export interface TokenTtlPoliciesDeps {
  events: EventStore;
  /** The `token-ttl-policies` projection's runner: recording waits for it, and reads after a catch-up see it. */
  runner: Pick<ProjectionRunner, 'catchUp'>;
  policies: ReadStore<TokenTtlPoliciesDocument>;
}

/** Where a membership event came from: its id and its place in the organization's stream (for idempotency). */
export type MembershipSource = Pick<RecordedEvent, 'id' | 'stream' | 'revision'>;

/**
 * The organizations' token TTL policies in the token service (ADR 012): recorded from membership's events, read
 * when a team or organization token is created or a policy's shortening is applied.
 */
export class TokenTtlPolicies {
  constructor(private readonly deps: TokenTtlPoliciesDeps) {}

  /** Records the organization's whole set (`OrganizationTokenTtlPoliciesSet`); a redelivery records nothing. */
  async record(
    organizationId: string,
    policies: readonly RecordedTokenTtlPolicy[],
    source: MembershipSource,
    metadata: EventMetadata,
  ): Promise<void> {
    await this.execute(organizationId, {
      type: 'RecordTokenTtlPolicies',
      data: { organizationId, policies, ...sourceOf(source) },
      metadata,
    });
  }

  /** The organization was deleted: its policies are dropped. */
  async forget(organizationId: string, source: MembershipSource, metadata: EventMetadata): Promise<void> {
    await this.execute(organizationId, {
      type: 'ForgetTokenTtlPolicies',
      data: { organizationId, ...sourceOf(source) },
      metadata,
    });
  }

  /** The organization's policies as projected (empty: none). */
  async of(organizationId: string): Promise<RecordedTokenTtlPolicy[]> {
    return (await this.deps.policies.get(organizationId))?.policies ?? [];
  }

  /** The organization's maximum TTL for `tokenType`, or null when it has none. */
  async maxTtlMs(organizationId: string, tokenType: TokenTtlType): Promise<number | null> {
    return (await this.of(organizationId)).find((p) => p.tokenType === tokenType)?.maxTtlMs ?? null;
  }

  /** Waits until every recorded policy is in the read model (this replica's runner over the shared store). */
  catchUp(): Promise<unknown> {
    return this.deps.runner.catchUp();
  }

  /**
   * After a token was created under the maximum read before its decision: a policy recorded meanwhile either has its
   * sweep see this token, or this re-read sees the policy (the sweep records the policy before it reads the tokens),
   * so no token outlives it. When the latest maximum is tighter, `shorten` applies it; returns the token's
   * `expiredAt` as it now stands.
   */
  async boundAfterCreate(
    token: { tokenId: string; organizationId: string; createdAt: string; expiredAt: string | null },
    tokenType: TokenTtlType,
    shorten: (maxTtlMs: number) => Promise<{ tokenId: string; expiredAt: string }[]>,
  ): Promise<string | null> {
    await this.catchUp();
    const latestMax = await this.maxTtlMs(token.organizationId, tokenType);
    if (latestMax === null || !exceedsMaxTtl(token.createdAt, token.expiredAt, latestMax))
      return token.expiredAt;
    const shortened = await shorten(latestMax);
    return shortened.find((e) => e.tokenId === token.tokenId)?.expiredAt ?? token.expiredAt;
  }

  private async execute(
    organizationId: string,
    command: TokenTtlPoliciesCommand & { metadata?: EventMetadata },
  ): Promise<void> {
    await handleCommand(
      this.deps.events,
      tokenTtlPoliciesStream(organizationId),
      tokenTtlPoliciesDecider,
      command,
    );
    await this.deps.runner.catchUp();
  }
}

const sourceOf = (source: MembershipSource) => ({
  membershipEventId: source.id,
  membershipStream: source.stream,
  membershipRevision: source.revision,
});
