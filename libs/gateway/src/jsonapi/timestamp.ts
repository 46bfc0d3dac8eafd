/**
 * Timestamps as TFC emits them: ISO 8601 UTC with milliseconds and a literal `Z` (`2018-11-06T22:56:10.203Z`).
 * go-tfe v1 parses with the layout `2006-01-02T15:04:05Z`, where `Z` is literal, so an offset (`+00:00`) breaks
 * clients. Throws `RangeError` for an invalid date or a year outside 0000-9999 (which ISO would write with a sign).
 */
export const toTimestamp = (value: Date | string | number): string => {
  const date = value instanceof Date ? value : new Date(value);
  const ms = date.getTime();
  if (Number.isNaN(ms)) throw new RangeError(`not a valid date: ${String(value)}`);
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) throw new RangeError(`year ${year} cannot be written as a TFC timestamp`);
  return date.toISOString();
};

/** `toTimestamp`, with `null`/`undefined` kept as `null` (an absent time is `null` on the wire). */
export const toTimestampOrNull = (value: Date | string | number | null | undefined): string | null =>
  value === null || value === undefined ? null : toTimestamp(value);

/** The wire format, for checks in tests and schemas. */
export const TIMESTAMP_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
