import { BASE58_ALPHABET, isPrefixedId, newPrefixedId, PREFIXED_ID_LENGTH } from './ids';

describe('prefixed ids', () => {
  it('are the prefix, a dash and 16 base58 characters', () => {
    const id = newPrefixedId('user');
    expect(id).toMatch(/^user-[1-9A-HJ-NP-Za-km-z]{16}$/);
    expect(isPrefixedId(id, 'user')).toBe(true);
    expect(isPrefixedId(id, 'team')).toBe(false);
  });

  it('do not repeat (10 000 draws)', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newPrefixedId('at')));
    expect(ids.size).toBe(10_000);
  });

  it('use every character of the alphabet and nothing else', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2_000; i++) for (const c of newPrefixedId('ou').slice(3)) seen.add(c);
    expect([...seen].sort().join('')).toBe([...BASE58_ALPHABET].sort().join(''));
  });

  it('discard bytes that would bias the distribution (>= 232)', () => {
    // 255 and 232 are discarded; 0 → '1', 57 → 'z', 231 = 3 × 58 + 57 → 'z'.
    const bytes = [255, 232, 0, 57, 231, ...Array(40).fill(0)];
    const random = (n: number) => Uint8Array.from(bytes.splice(0, n));
    expect(newPrefixedId('org', random)).toBe(`org-1zz${'1'.repeat(PREFIXED_ID_LENGTH - 3)}`);
  });

  it('keep drawing when a batch holds too few usable bytes', () => {
    let calls = 0;
    const random = (n: number) => (calls++ === 0 ? new Uint8Array(n).fill(250) : new Uint8Array(n).fill(1));
    expect(newPrefixedId('team', random)).toBe(`team-${'2'.repeat(16)}`);
    expect(calls).toBe(2);
  });

  it('take lower-case letter prefixes only', () => {
    expect(() => newPrefixedId('User')).toThrow(TypeError);
    expect(() => newPrefixedId('a-b')).toThrow(TypeError);
    expect(isPrefixedId('x.*-1111111111111111', 'x.*')).toBe(false);
    expect(isPrefixedId(42, 'user')).toBe(false);
    expect(isPrefixedId('user-0000000000000000', 'user')).toBe(false);
  });
});
