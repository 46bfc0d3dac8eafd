import { EventStoreError, EventStoreUnavailable, InvalidAppend } from '../errors';

/** SQLSTATEs that mean the input, not the database, is at fault (we validate first; this is the backstop). */
const INVALID_INPUT = new Set(['22P02', '22P05', '22021', '54000']);

/** Our errors pass through; bad input is `InvalidAppend`; anything else (network, server) is `EventStoreUnavailable`. */
export const toStoreError = (err: unknown): EventStoreError => {
  if (err instanceof EventStoreError) return err;
  const code = (err as { code?: unknown })?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (typeof code === 'string' && INVALID_INPUT.has(code)) return new InvalidAppend(message);
  return new EventStoreUnavailable(
    `PostgreSQL: ${message}${typeof code === 'string' ? ` (${code})` : ''}`,
    err,
  );
};
