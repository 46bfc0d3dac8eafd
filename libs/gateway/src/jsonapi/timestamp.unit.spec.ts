import { TIMESTAMP_PATTERN, toTimestamp, toTimestampOrNull } from './timestamp';

describe('timestamps', () => {
  it('are UTC with milliseconds and a literal Z, whatever the input', () => {
    expect(toTimestamp(new Date(Date.UTC(2018, 10, 6, 22, 56, 10, 203)))).toBe('2018-11-06T22:56:10.203Z');
    expect(toTimestamp('2023-04-06T12:00:00Z')).toBe('2023-04-06T12:00:00.000Z');
    expect(toTimestamp('2023-04-06T14:00:00+02:00')).toBe('2023-04-06T12:00:00.000Z');
    expect(toTimestamp(0)).toBe('1970-01-01T00:00:00.000Z');
    expect(toTimestamp(new Date())).toMatch(TIMESTAMP_PATTERN);
  });

  it('keep absent times as null', () => {
    expect(toTimestampOrNull(null)).toBeNull();
    expect(toTimestampOrNull(undefined)).toBeNull();
    expect(toTimestampOrNull(1_000)).toBe('1970-01-01T00:00:01.000Z');
  });

  it('refuse invalid dates and years ISO would write with a sign', () => {
    expect(() => toTimestamp('yesterday')).toThrow(RangeError);
    expect(() => toTimestamp(Number.NaN)).toThrow(RangeError);
    expect(() => toTimestamp(new Date(Date.UTC(10000, 0, 1)))).toThrow(RangeError);
    expect(() => toTimestamp(new Date(Date.UTC(-1, 0, 1)))).toThrow(RangeError);
  });
});
