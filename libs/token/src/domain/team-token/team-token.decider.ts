import type { TeamTokenCreator, TeamTokenRevokeReason, TokenExpiryShortenedReason } from '@idp/contracts';
import { type Decider, DomainError } from '@idp/eventing';
import { boundedExpiry, exceedsMaxTtl, expiryWithin } from '../token-ttl-policy/token-ttl';
import { InvalidUserTokenExpiry } from '../user-token/user-token.decider';

/**
 * Every API token of one team (TFC-API §5.1 described tokens and §5.2 the legacy descriptionless one), stream
 * `team-tokens-<teamId>`. One stream per team makes each team rule one decision at one expected revision: a
 * description is unique within the team (two concurrent creates with the same description cannot both succeed — no
 * uniqueness check against a read model), the legacy token is replaced by its regeneration in the same append (the
 * old secret can never outlive its replacement), and the team's deletion revokes every token and closes the stream
 * so that a create racing with it cannot leave an orphan token. As for the other tokens, only `tokenHash` enters
 * the events, time arrives in the command, and expiry needs no event: `expiredAt` is fixed at creation, bounded by
 * the organization's `team` token TTL policy then, and only ever moved earlier later, by a tighter policy
 * (`TeamTokenExpiryShortened`, ADR 012).
 */
export type TeamTokenEvent =
  | {
      type: 'TeamTokenCreated';
      data: {
        tokenId: string;
        teamId: string;
        organizationId: string;
        /** Null: the legacy token. */
        description: string | null;
        /** ISO 8601, or null: never expires. */
        expiredAt: string | null;
        tokenHash: string;
        createdAt: string;
        createdBy: TeamTokenCreator;
      };
    }
  | {
      type: 'TeamTokenRevoked';
      data: { tokenId: string; teamId: string; organizationId: string; reason: TeamTokenRevokeReason };
    }
  /** The organization's `team` token TTL policy ends the token earlier: `expiredAt` = `createdAt + maxTtlMs`. */
  | {
      type: 'TeamTokenExpiryShortened';
      data: {
        tokenId: string;
        teamId: string;
        organizationId: string;
        expiredAt: string;
        maxTtlMs: number;
        reason: TokenExpiryShortenedReason;
      };
    }
  /** The team (or its organization) was deleted: no token will ever be created for it again. */
  | {
      type: 'TeamTokensClosed';
      data: {
        teamId: string;
        reason: Extract<TeamTokenRevokeReason, 'team-deleted' | 'organization-deleted'>;
      };
    };

export type TeamTokenCommand =
  | {
      type: 'CreateTeamToken';
      data: {
        tokenId: string;
        teamId: string;
        organizationId: string;
        description: string | null;
        expiredAt: string | null;
        tokenHash: string;
        now: string;
        createdBy: TeamTokenCreator;
        /**
         * The organization's `team` token TTL policy when the create was decided, or null: none. Without
         * `expiredAt` the token gets `now + maxTtlMs`; a later `expiredAt` is `TokenExpiryBeyondMaxTtl`.
         */
        maxTtlMs: number | null;
      };
    }
  /** DELETE of named tokens by someone the gateway authorized (the membership service decides who may). */
  | { type: 'DeleteTeamTokens'; data: { tokenIds: readonly string[] } }
  /** DELETE of the legacy token. */
  | { type: 'DeleteLegacyTeamToken'; data: Record<string, never> }
  /** A `team` token TTL policy was set: every live token living longer than `maxTtlMs` is shortened to it. */
  | { type: 'ShortenTeamTokenExpiries'; data: { maxTtlMs: number } }
  | {
      type: 'CloseTeamTokens';
      data: {
        teamId: string;
        reason: Extract<TeamTokenRevokeReason, 'team-deleted' | 'organization-deleted'>;
      };
    };

interface LiveTeamToken {
  tokenId: string;
  description: string | null;
  createdAt: string;
  expiredAt: string | null;
}

export interface TeamTokenState {
  /** Set by the first token; every token of a team belongs to the team's one organization. */
  teamId: string | null;
  organizationId: string | null;
  /** Live tokens, in creation order. */
  live: readonly LiveTeamToken[];
  /** Every token id this stream ever created (a redelivered create stays refused after a later revocation). */
  issued: readonly string[];
  closed: boolean;
}

/** No such live token of the team (never created, revoked, or no legacy token): a second DELETE is a 404. */
export class TeamTokenNotFound extends DomainError {
  constructor() {
    super('TOKEN.NOT_FOUND', 'token not found');
  }
}
/** The same create (same idempotency key) again. */
export class TeamTokenAlreadyExists extends DomainError {
  constructor() {
    super('TOKEN.ALREADY_EXISTS', 'a token with this id already exists');
  }
}
/** Another live token of the team has this description (TFC's wording, which go-tfe matches exactly). */
export class TeamTokenDescriptionTaken extends DomainError {
  constructor() {
    super('TOKEN.DESCRIPTION_TAKEN', 'Validation failed: Description has already been taken', {
      attribute: 'description',
    });
  }
}
/** The team or its organization was deleted (a create that raced with the deletion). */
export class TeamGone extends DomainError {
  constructor() {
    super('TOKEN.TEAM_NOT_FOUND', 'team not found');
  }
}

export const initialState = (): TeamTokenState => ({
  teamId: null,
  organizationId: null,
  live: [],
  issued: [],
  closed: false,
});

export const evolve = (state: TeamTokenState, event: TeamTokenEvent): TeamTokenState => {
  switch (event.type) {
    case 'TeamTokenCreated': {
      const { tokenId, description, teamId, organizationId, createdAt, expiredAt } = event.data;
      return {
        ...state,
        teamId,
        organizationId,
        live: [...state.live, { tokenId, description, createdAt, expiredAt }],
        issued: [...state.issued, tokenId],
      };
    }
    case 'TeamTokenRevoked':
      return { ...state, live: state.live.filter((t) => t.tokenId !== event.data.tokenId) };
    case 'TeamTokenExpiryShortened': {
      const { tokenId, expiredAt } = event.data;
      return { ...state, live: state.live.map((t) => (t.tokenId === tokenId ? { ...t, expiredAt } : t)) };
    }
    case 'TeamTokensClosed':
      return { ...state, closed: true };
    default:
      return state;
  }
};

const revoked = (state: TeamTokenState, tokenId: string, reason: TeamTokenRevokeReason): TeamTokenEvent => ({
  type: 'TeamTokenRevoked',
  data: { tokenId, teamId: state.teamId ?? '', organizationId: state.organizationId ?? '', reason },
});

export const decide = (command: TeamTokenCommand, state: TeamTokenState): TeamTokenEvent[] => {
  switch (command.type) {
    case 'CreateTeamToken': {
      if (state.closed) throw new TeamGone();
      const { now, maxTtlMs, ...requested } = command.data;
      if (state.issued.includes(requested.tokenId)) throw new TeamTokenAlreadyExists();
      if (requested.expiredAt !== null && !(Date.parse(requested.expiredAt) > Date.parse(now)))
        throw new InvalidUserTokenExpiry('Expired at must be in the future');
      const data = { ...requested, expiredAt: expiryWithin(requested.expiredAt, now, maxTtlMs, 'team') };
      const created: TeamTokenEvent = { type: 'TeamTokenCreated', data: { ...data, createdAt: now } };
      if (data.description === null) {
        // Legacy: regenerate — the current legacy token is revoked in the same append as its replacement.
        const legacy = state.live.find((t) => t.description === null);
        return [...(legacy ? [revoked(state, legacy.tokenId, 'replaced')] : []), created];
      }
      if (state.live.some((t) => t.description === data.description)) throw new TeamTokenDescriptionTaken();
      return [created];
    }
    case 'DeleteTeamTokens': {
      const ids = [...new Set(command.data.tokenIds)];
      // All or nothing: one unknown id and nothing is revoked.
      if (!ids.length || ids.some((id) => !state.live.some((t) => t.tokenId === id)))
        throw new TeamTokenNotFound();
      return ids.map((id) => revoked(state, id, 'deleted'));
    }
    case 'DeleteLegacyTeamToken': {
      const legacy = state.live.find((t) => t.description === null);
      if (!legacy) throw new TeamTokenNotFound();
      return [revoked(state, legacy.tokenId, 'deleted')];
    }
    case 'ShortenTeamTokenExpiries': {
      // Idempotent: a shortened token lives exactly `maxTtlMs`, so the same policy again shortens nothing; a looser
      // one never lengthens a token.
      const { maxTtlMs } = command.data;
      return state.live
        .filter((t) => exceedsMaxTtl(t.createdAt, t.expiredAt, maxTtlMs))
        .map((t) => ({
          type: 'TeamTokenExpiryShortened',
          data: {
            tokenId: t.tokenId,
            teamId: state.teamId ?? '',
            organizationId: state.organizationId ?? '',
            expiredAt: boundedExpiry(t.createdAt, maxTtlMs),
            maxTtlMs,
            reason: 'ttl-policy',
          },
        }));
    }
    case 'CloseTeamTokens':
      // Idempotent: a redelivered deletion changes nothing.
      if (state.closed) return [];
      return [
        ...state.live.map((t) => revoked(state, t.tokenId, command.data.reason)),
        { type: 'TeamTokensClosed', data: command.data },
      ];
  }
};

export const teamTokenDecider: Decider<TeamTokenCommand, TeamTokenEvent, TeamTokenState> = {
  initialState,
  evolve,
  decide,
};

export const teamTokenStream = (teamId: string): string => `team-tokens-${teamId}`;
