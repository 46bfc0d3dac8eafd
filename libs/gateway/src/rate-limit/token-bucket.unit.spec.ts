import { TokenBucketLimiter } from './token-bucket';

describe('TokenBucketLimiter', () => {
  let now = 0;
  const limiter = (options: { ratePerSecond?: number; burst?: number; maxKeys?: number } = {}) =>
    new TokenBucketLimiter({ ratePerSecond: 30, maxKeys: 1000, ...options, now: () => now });
  const takeN = (l: TokenBucketLimiter, key: string, n: number) =>
    Array.from({ length: n }, () => l.take(key).allowed).filter(Boolean).length;

  beforeEach(() => {
    now = 1_000_000;
  });

  it('a new key has a full bucket: burst = rate by default, then refusals', () => {
    const l = limiter();
    expect(l.burst).toBe(30);
    expect(takeN(l, 'u', 30)).toBe(30);
    const refused = l.take('u');
    expect(refused.allowed).toBe(false);
  });

  it('reports the remaining whole tokens', () => {
    const l = limiter({ ratePerSecond: 3 });
    expect(l.take('u')).toEqual({ allowed: true, remaining: 2 });
    expect(l.take('u')).toEqual({ allowed: true, remaining: 1 });
    expect(l.take('u')).toEqual({ allowed: true, remaining: 0 });
  });

  it('a refusal says how long until one token is back (fractional)', () => {
    const l = limiter({ ratePerSecond: 30 });
    takeN(l, 'u', 30);
    const refused = l.take('u');
    if (refused.allowed) throw new Error('expected a refusal');
    expect(refused.retryAfterMs).toBeCloseTo(1000 / 30, 6);
    now += 10;
    const later = l.take('u');
    if (later.allowed) throw new Error('expected a refusal');
    expect(later.retryAfterMs).toBeCloseTo(1000 / 30 - 10, 6);
  });

  it('refills continuously: one token per 1/rate second, exactly when promised', () => {
    const l = limiter({ ratePerSecond: 10 });
    takeN(l, 'u', 10);
    expect(l.take('u').allowed).toBe(false);
    now += 99;
    expect(l.take('u').allowed).toBe(false);
    now += 1;
    expect(l.take('u').allowed).toBe(true);
    expect(l.take('u').allowed).toBe(false);
    now += 350; // 3.5 tokens
    expect(takeN(l, 'u', 10)).toBe(3);
    now += 50; // the half token left + half a token
    expect(l.take('u').allowed).toBe(true);
  });

  it('refills no further than the burst, however long the pause', () => {
    const l = limiter({ ratePerSecond: 10 });
    takeN(l, 'u', 10);
    now += 3_600_000;
    expect(takeN(l, 'u', 25)).toBe(10);
  });

  it('a burst smaller than the rate', () => {
    const l = limiter({ ratePerSecond: 30, burst: 5 });
    expect(takeN(l, 'u', 30)).toBe(5);
    now += 1000;
    expect(takeN(l, 'u', 30)).toBe(5);
  });

  it('refused requests do not consume: a client hammering at the limit still gets the rate', () => {
    const l = limiter({ ratePerSecond: 10 });
    let allowed = 0;
    for (let ms = 0; ms <= 2000; ms++) {
      allowed += takeN(l, 'u', 5);
      now += 1;
    }
    // The initial burst of 10, then 10 per second for 2 s (refilled 1/100 token per millisecond).
    expect(allowed).toBe(30);
  });

  it('keys are isolated', () => {
    const l = limiter({ ratePerSecond: 5 });
    expect(takeN(l, 'a', 10)).toBe(5);
    expect(takeN(l, 'b', 10)).toBe(5);
    expect(l.take('a').allowed).toBe(false);
    expect(l.size).toBe(2);
  });

  it('holds at most maxKeys buckets, dropping the least recently used', () => {
    const l = limiter({ ratePerSecond: 5, maxKeys: 3 });
    takeN(l, 'a', 5);
    takeN(l, 'b', 5);
    takeN(l, 'c', 5);
    expect(l.take('a').allowed).toBe(false); // a is now the most recently used
    l.take('d'); // evicts b
    expect(l.size).toBe(3);
    expect(l.take('a').allowed).toBe(false); // kept, still empty
    expect(l.take('c').allowed).toBe(false); // kept, still empty
    expect(l.take('b').allowed).toBe(true); // was dropped: back with a full bucket, evicting d
    expect(l.size).toBe(3);
  });

  it('never exceeds the bound under many distinct keys', () => {
    const l = limiter({ maxKeys: 100 });
    for (let i = 0; i < 10_000; i++) l.take(`ip:${i}`);
    expect(l.size).toBe(100);
  });

  it('drops buckets idle long enough to be full again (no state lost)', () => {
    const l = limiter({ ratePerSecond: 10 }); // empty -> full in 1 s
    takeN(l, 'a', 10);
    now += 500;
    takeN(l, 'b', 3);
    now += 600; // a idle 1.1 s: full; b idle 0.6 s
    l.take('c');
    expect(l.size).toBe(2); // a dropped, b and c kept
    expect(takeN(l, 'a', 20)).toBe(10);
    expect(takeN(l, 'b', 20)).toBe(10); // 7 + 6 refilled, capped at 10
  });

  it('a clock going back is treated as standing still', () => {
    const l = limiter({ ratePerSecond: 10 });
    takeN(l, 'u', 10);
    now -= 5_000;
    expect(l.take('u').allowed).toBe(false);
    now += 5_000 + 100;
    expect(l.take('u').allowed).toBe(true);
  });

  it('peek() tells whether a token is there without taking it, creating a bucket or reordering', () => {
    const l = limiter({ ratePerSecond: 10 / 60, burst: 10, maxKeys: 2 });
    expect(l.peek('ip')).toEqual({ allowed: true, remaining: 10 });
    expect(l.size).toBe(0);
    takeN(l, 'ip', 10);
    const refused = l.peek('ip');
    if (refused.allowed) throw new Error('expected a refusal');
    expect(refused.retryAfterMs).toBeCloseTo(6_000, 6);
    now += 1_500;
    const later = l.peek('ip');
    if (later.allowed) throw new Error('expected a refusal');
    expect(later.retryAfterMs).toBeCloseTo(4_500, 6);
    // Peeking again and again consumes nothing.
    now += 4_500;
    expect(l.peek('ip')).toEqual({ allowed: true, remaining: 1 });
    expect(l.peek('ip')).toEqual({ allowed: true, remaining: 1 });
    expect(l.take('ip')).toEqual({ allowed: true, remaining: 0 });
    expect(l.peek('ip').allowed).toBe(false);
    // A peek does not make a key recently used: 'ip' is still the oldest and goes first.
    l.take('other');
    l.peek('ip');
    l.take('third');
    expect(l.peek('ip')).toEqual({ allowed: true, remaining: 10 });
  });

  it('clear() drops every bucket', () => {
    const l = limiter({ ratePerSecond: 1 });
    l.take('u');
    l.clear();
    expect(l.size).toBe(0);
    expect(l.take('u').allowed).toBe(true);
  });

  it.each([
    [{ ratePerSecond: 0 }],
    [{ ratePerSecond: Number.NaN }],
    [{ ratePerSecond: 10, burst: 0.5 }],
    [{ ratePerSecond: 10, maxKeys: 0 }],
    [{ ratePerSecond: 10, maxKeys: 1.5 }],
  ])('refuses impossible settings %j', (options) => {
    expect(() => new TokenBucketLimiter({ maxKeys: 10, now: () => 0, ...options })).toThrow(RangeError);
  });
});
