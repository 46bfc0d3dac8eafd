import type { TokenTtlType } from '@idp/contracts';
import type { Decider } from '@idp/eventing';

/**
 * What the token service knows of one organization's token TTL policies (TFC-API §5.4, ADR 012), learned from the
 * membership service's `OrganizationTokenTtlPoliciesSet` and `OrganizationDeleted`, stream
 * `token-ttl-policies-<organizationId>`. Recorded as this service's OWN events (not written straight into a read
 * model) so that the `token-ttl-policies` read model is projected, position-guarded and rebuilt by replay like every
 * other one — in embedded mode read models live in memory, and a restart must not forget a policy.
 *
 * Idempotent by the membership event's place in the organization's stream: the bus keeps one organization's events
 * in order (keyed by stream), so an event at or below the recorded revision of that stream is a redelivery and
 * records nothing; so is a set equal to the recorded one. After the organization's deletion nothing is recorded again
 * (an organization that never had a policy leaves no stream).
 */
export interface RecordedTokenTtlPolicy {
  tokenType: TokenTtlType;
  maxTtlMs: number;
}

export type TokenTtlPoliciesEvent =
  | {
      type: 'TokenTtlPoliciesRecorded';
      data: {
        organizationId: string;
        /** The whole set after the change, one entry per type with a maximum. */
        policies: RecordedTokenTtlPolicy[];
        membershipEventId: string;
        membershipStream: string;
        membershipRevision: number;
      };
    }
  | {
      type: 'TokenTtlPoliciesForgotten';
      data: {
        organizationId: string;
        membershipEventId: string;
        membershipStream: string;
        membershipRevision: number;
      };
    };

export type TokenTtlPoliciesCommand =
  | {
      type: 'RecordTokenTtlPolicies';
      data: {
        organizationId: string;
        policies: readonly RecordedTokenTtlPolicy[];
        membershipEventId: string;
        membershipStream: string;
        membershipRevision: number;
      };
    }
  | {
      type: 'ForgetTokenTtlPolicies';
      data: {
        organizationId: string;
        membershipEventId: string;
        membershipStream: string;
        membershipRevision: number;
      };
    };

export interface TokenTtlPoliciesState {
  policies: readonly RecordedTokenTtlPolicy[];
  /** The membership stream and revision of the last event recorded (null: none). */
  source: { stream: string; revision: number } | null;
  forgotten: boolean;
}

const sameSet = (a: readonly RecordedTokenTtlPolicy[], b: readonly RecordedTokenTtlPolicy[]): boolean =>
  a.length === b.length &&
  a.every((p) => b.some((q) => q.tokenType === p.tokenType && q.maxTtlMs === p.maxTtlMs));

const alreadySeen = (state: TokenTtlPoliciesState, stream: string, revision: number): boolean =>
  state.source !== null && state.source.stream === stream && revision <= state.source.revision;

export const tokenTtlPoliciesDecider: Decider<
  TokenTtlPoliciesCommand,
  TokenTtlPoliciesEvent,
  TokenTtlPoliciesState
> = {
  initialState: () => ({ policies: [], source: null, forgotten: false }),
  evolve: (state, event) => {
    const source = { stream: event.data.membershipStream, revision: event.data.membershipRevision };
    switch (event.type) {
      case 'TokenTtlPoliciesRecorded':
        return { ...state, policies: event.data.policies, source };
      case 'TokenTtlPoliciesForgotten':
        return { policies: [], source, forgotten: true };
      default:
        return state;
    }
  },
  decide: (command, state) => {
    const { membershipStream, membershipRevision } = command.data;
    if (state.forgotten || alreadySeen(state, membershipStream, membershipRevision)) return [];
    switch (command.type) {
      case 'RecordTokenTtlPolicies': {
        const policies = command.data.policies.map(({ tokenType, maxTtlMs }) => ({ tokenType, maxTtlMs }));
        if (state.source !== null && sameSet(policies, state.policies)) return [];
        return [{ type: 'TokenTtlPoliciesRecorded', data: { ...command.data, policies } }];
      }
      case 'ForgetTokenTtlPolicies':
        // Nothing recorded, nothing to forget (no stream for every deleted organization).
        if (state.source === null) return [];
        return [{ type: 'TokenTtlPoliciesForgotten', data: command.data }];
    }
  },
};

export const tokenTtlPoliciesStream = (organizationId: string): string =>
  `token-ttl-policies-${organizationId}`;
