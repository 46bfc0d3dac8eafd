import { CodedError } from '../errors/coded-error';

/** Base of every error the read-store ports throw; `code` is stable and grep-able. */
export class ReadStoreError extends CodedError {}

/**
 * A query, document or read-model declaration the store cannot accept: an unknown search field, a field
 * path that is not plain dotted identifiers, a negative skip, a document that is not JSON, … Never retry.
 */
export class InvalidReadQuery extends ReadStoreError {
  constructor(message: string) {
    super('READ_STORE.INVALID_QUERY', message);
  }
}

/**
 * `update()` lost its optimistic race more times than it retries: another writer keeps changing the same
 * document. Safe to retry later (a projection runner does, then parks the event).
 */
export class ReadStoreConflict extends ReadStoreError {
  constructor(model: string, id: string, attempts: number) {
    super('READ_STORE.CONFLICT', `${model}/${id}: concurrent writers won ${attempts} times in a row`);
  }
}

/** The backing database could not be reached or timed out. Safe to retry. */
export class ReadStoreUnavailable extends ReadStoreError {
  constructor(message: string, cause?: unknown) {
    super('READ_STORE.UNAVAILABLE', message, { cause });
  }
}
