import type {
  OrganizationTokenKind,
  OrganizationTokenRevokeReason,
  TokenCreator,
  TokenExpiryShortenedReason,
  TokenTtlType,
} from '@idp/contracts';
import { type Decider, DomainError } from '@idp/eventing';
import { boundedExpiry, exceedsMaxTtl, expiryWithin } from '../token-ttl-policy/token-ttl';
import { InvalidUserTokenExpiry } from '../user-token/user-token.decider';

/**
 * The API token of one organization and kind (TFC-API §5.3), stream `organization-token-<kind>-<organizationId>`:
 * the stream holds the *current* token, so "creating replaces the existing one" is one decision appended at one
 * expected revision — the previous token's revocation and the new token's creation land together or not at all, and
 * two concurrent regenerations cannot both leave a live token. As for user tokens, the secret never enters these
 * events (only `tokenHash`), time arrives in the command, ids and hashes are made before `decide`, and expiry needs
 * no event (`expiredAt` is fixed at creation and judged at each verification). The organization's token TTL policy
 * for the kind (`ttlTypeOfKind`) bounds `expiredAt` at creation, and a tighter policy set later moves it earlier
 * (`OrganizationTokenExpiryShortened`, ADR 012), never later.
 *
 * When the organization is deleted the stream is closed: its token (if any) is revoked and no token of that kind can
 * be created for that organization id again (a create racing with the deletion cannot leave an orphan token).
 */
export type OrganizationTokenEvent =
  | {
      type: 'OrganizationTokenCreated';
      data: {
        tokenId: string;
        organizationId: string;
        /** For display (the synthetic service user); follows renames (`OrganizationTokenOrganizationRenamed`). */
        organizationName: string;
        kind: OrganizationTokenKind;
        /** ISO 8601, or null: never expires. */
        expiredAt: string | null;
        tokenHash: string;
        createdAt: string;
        createdBy: TokenCreator;
      };
    }
  | {
      type: 'OrganizationTokenRevoked';
      data: {
        tokenId: string;
        organizationId: string;
        kind: OrganizationTokenKind;
        reason: OrganizationTokenRevokeReason;
      };
    }
  /** The organization's TTL policy for the kind ends the token earlier: `expiredAt` = `createdAt + maxTtlMs`. */
  | {
      type: 'OrganizationTokenExpiryShortened';
      data: {
        tokenId: string;
        organizationId: string;
        kind: OrganizationTokenKind;
        expiredAt: string;
        maxTtlMs: number;
        reason: TokenExpiryShortenedReason;
      };
    }
  | {
      type: 'OrganizationTokenOrganizationRenamed';
      data: {
        tokenId: string;
        organizationId: string;
        kind: OrganizationTokenKind;
        organizationName: string;
      };
    }
  /** The organization was deleted: nothing of this kind will ever be created for it again. */
  | { type: 'OrganizationTokensClosed'; data: { organizationId: string; kind: OrganizationTokenKind } };

export type OrganizationTokenCommand =
  | {
      type: 'CreateOrganizationToken';
      data: {
        tokenId: string;
        organizationId: string;
        organizationName: string;
        kind: OrganizationTokenKind;
        expiredAt: string | null;
        tokenHash: string;
        now: string;
        createdBy: TokenCreator;
        /**
         * The organization's TTL policy for the kind when the create was decided, or null: none. Without
         * `expiredAt` the token gets `now + maxTtlMs`; a later `expiredAt` is `TokenExpiryBeyondMaxTtl`.
         */
        maxTtlMs: number | null;
      };
    }
  /** DELETE by someone the gateway authorized (the membership service decides who may). */
  | { type: 'DeleteOrganizationToken'; data: Record<string, never> }
  | { type: 'CloseOrganizationTokens'; data: { organizationId: string; kind: OrganizationTokenKind } }
  | { type: 'RenameOrganization'; data: { organizationName: string } }
  /** A TTL policy for the kind was set: the current token, if it lives longer than `maxTtlMs`, is shortened to it. */
  | { type: 'ShortenOrganizationTokenExpiry'; data: { maxTtlMs: number } };

export interface OrganizationTokenState {
  current: {
    tokenId: string;
    organizationId: string;
    kind: OrganizationTokenKind;
    organizationName: string;
    createdAt: string;
    expiredAt: string | null;
  } | null;
  /** Every token id this stream ever created (idempotent creates stay refused after a later regeneration). */
  issued: readonly string[];
  closed: boolean;
}

/** No token of that kind (never created, deleted, replaced away): a second DELETE is a 404 as in TFC. */
export class OrganizationTokenNotFound extends DomainError {
  constructor() {
    super('TOKEN.NOT_FOUND', 'token not found');
  }
}
/** The same create (same idempotency key) again. */
export class OrganizationTokenAlreadyExists extends DomainError {
  constructor() {
    super('TOKEN.ALREADY_EXISTS', 'a token with this id already exists');
  }
}
/** The organization was deleted (a create that raced with the deletion). */
export class OrganizationGone extends DomainError {
  constructor() {
    super('TOKEN.ORGANIZATION_NOT_FOUND', 'organization not found');
  }
}

export const initialState = (): OrganizationTokenState => ({ current: null, issued: [], closed: false });

export const evolve = (
  state: OrganizationTokenState,
  event: OrganizationTokenEvent,
): OrganizationTokenState => {
  switch (event.type) {
    case 'OrganizationTokenCreated': {
      const { tokenId, organizationId, kind, organizationName, createdAt, expiredAt } = event.data;
      return {
        ...state,
        current: { tokenId, organizationId, kind, organizationName, createdAt, expiredAt },
        issued: [...state.issued, tokenId],
      };
    }
    case 'OrganizationTokenRevoked':
      return state.current?.tokenId === event.data.tokenId ? { ...state, current: null } : state;
    case 'OrganizationTokenOrganizationRenamed':
      return state.current?.tokenId === event.data.tokenId
        ? { ...state, current: { ...state.current, organizationName: event.data.organizationName } }
        : state;
    case 'OrganizationTokenExpiryShortened':
      return state.current?.tokenId === event.data.tokenId
        ? { ...state, current: { ...state.current, expiredAt: event.data.expiredAt } }
        : state;
    case 'OrganizationTokensClosed':
      return { ...state, closed: true };
    default:
      return state;
  }
};

const revoked = (
  current: NonNullable<OrganizationTokenState['current']>,
  reason: OrganizationTokenRevokeReason,
): OrganizationTokenEvent => ({
  type: 'OrganizationTokenRevoked',
  data: { tokenId: current.tokenId, organizationId: current.organizationId, kind: current.kind, reason },
});

export const decide = (
  command: OrganizationTokenCommand,
  state: OrganizationTokenState,
): OrganizationTokenEvent[] => {
  switch (command.type) {
    case 'CreateOrganizationToken': {
      if (state.closed) throw new OrganizationGone();
      const { now, maxTtlMs, ...requested } = command.data;
      if (state.issued.includes(requested.tokenId)) throw new OrganizationTokenAlreadyExists();
      if (requested.expiredAt !== null && !(Date.parse(requested.expiredAt) > Date.parse(now)))
        throw new InvalidUserTokenExpiry('Expired at must be in the future');
      const data = {
        ...requested,
        expiredAt: expiryWithin(requested.expiredAt, now, maxTtlMs, ttlTypeOfKind(requested.kind)),
      };
      // Regenerate: the current token is revoked in the same append as its replacement is created.
      return [
        ...(state.current ? [revoked(state.current, 'replaced')] : []),
        { type: 'OrganizationTokenCreated', data: { ...data, createdAt: now } },
      ];
    }
    case 'DeleteOrganizationToken':
      if (!state.current) throw new OrganizationTokenNotFound();
      return [revoked(state.current, 'deleted')];
    case 'CloseOrganizationTokens':
      // Idempotent: a redelivered OrganizationDeleted changes nothing.
      if (state.closed) return [];
      return [
        ...(state.current ? [revoked(state.current, 'organization-deleted')] : []),
        { type: 'OrganizationTokensClosed', data: command.data },
      ];
    case 'ShortenOrganizationTokenExpiry': {
      // Idempotent: a shortened token lives exactly `maxTtlMs`, so the same policy again shortens nothing; a looser
      // one never lengthens it.
      const { current } = state;
      const { maxTtlMs } = command.data;
      if (!current || !exceedsMaxTtl(current.createdAt, current.expiredAt, maxTtlMs)) return [];
      return [
        {
          type: 'OrganizationTokenExpiryShortened',
          data: {
            tokenId: current.tokenId,
            organizationId: current.organizationId,
            kind: current.kind,
            expiredAt: boundedExpiry(current.createdAt, maxTtlMs),
            maxTtlMs,
            reason: 'ttl-policy',
          },
        },
      ];
    }
    case 'RenameOrganization': {
      const { current } = state;
      if (!current || current.organizationName === command.data.organizationName) return [];
      return [
        {
          type: 'OrganizationTokenOrganizationRenamed',
          data: {
            tokenId: current.tokenId,
            organizationId: current.organizationId,
            kind: current.kind,
            organizationName: command.data.organizationName,
          },
        },
      ];
    }
  }
};

export const organizationTokenDecider: Decider<
  OrganizationTokenCommand,
  OrganizationTokenEvent,
  OrganizationTokenState
> = { initialState, evolve, decide };

export const organizationTokenStream = (organizationId: string, kind: OrganizationTokenKind): string =>
  `organization-token-${kind}-${organizationId}`;

/** The TTL policy type (TFC-API §5.4 `token-type`) that bounds an organization token of `kind`. */
export const ttlTypeOfKind = (kind: OrganizationTokenKind): TokenTtlType =>
  kind === 'audit-trails' ? 'audit_trails' : 'organization';
