import { DomainError } from '../decider/decider';

/**
 * Uniqueness across aggregates (usernames, e-mails, organization names), enforced by the write side, never
 * by a read model. Values are compared case-insensitively after Unicode NFC normalisation.
 */
export interface UniquenessGuard {
  /**
   * Claims `value` in `scope` for `owner`. Idempotent for the same owner. Of any number of concurrent claims
   * by different owners exactly one succeeds; the others throw `ValueAlreadyClaimed`.
   */
  claim(scope: string, value: string, owner: string): Promise<void>;
  /** Frees `value` if `owner` holds it; a no-op when it is free. Throws `NotClaimOwner` when someone else holds it. */
  release(scope: string, value: string, owner: string): Promise<void>;
  /**
   * Moves `owner` from `from` to `to`: claims `to` first, then releases `from`, so the owner never holds
   * neither. Throws `ValueAlreadyClaimed` (and keeps `from`) when `to` is taken. Safe to retry.
   */
  rename(scope: string, from: string, to: string, owner: string): Promise<void>;
  /** The current owner of `value`, if any. */
  ownerOf(scope: string, value: string): Promise<string | undefined>;
}

export const UNIQUENESS_GUARD = Symbol('UNIQUENESS_GUARD');

export class ValueAlreadyClaimed extends DomainError {
  constructor(scope: string, value: string) {
    super(`UNIQUENESS.${scope.toUpperCase()}_TAKEN`, `${scope} "${value}" is already taken`, {
      scope,
      value,
    });
  }
}

export class NotClaimOwner extends DomainError {
  constructor(scope: string, value: string) {
    super('UNIQUENESS.NOT_OWNER', `${scope} "${value}" is held by someone else`, { scope, value });
  }
}

/** The form in which values are compared: NFC, lower case, trimmed. */
export const normaliseUniqueValue = (value: string): string => value.normalize('NFC').trim().toLowerCase();
