import {
  base32Decode,
  base32Encode,
  hotp,
  matchingTimeStep,
  newTotpSecret,
  otpauthUri,
  timeStepAt,
  totpAt,
} from './totp';
import { newRecoveryCodes, normaliseRecoveryCode, recoveryCodeHash } from './recovery-codes';

describe('TOTP (RFC 6238)', () => {
  // RFC 6238 Appendix B: the seeds are ASCII, codes 8 digits, T0 = 0, X = 30.
  const seeds = {
    sha1: Buffer.from('12345678901234567890'),
    sha256: Buffer.from('12345678901234567890123456789012'),
    sha512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234'),
  };
  const vectors: Array<[number, string, string, string]> = [
    [59, '94287082', '46119246', '90693936'],
    [1111111109, '07081804', '68084774', '25091201'],
    [1111111111, '14050471', '67062674', '99943326'],
    [1234567890, '89005924', '91819424', '93441116'],
    [2000000000, '69279037', '90698825', '38618901'],
    [20000000000, '65353130', '77737706', '47863826'],
  ];
  it.each(vectors)(
    'T = %i s: the RFC test vectors for SHA-1, SHA-256, SHA-512',
    (t, sha1, sha256, sha512) => {
      const step = timeStepAt(t * 1000);
      expect(hotp(seeds.sha1, step, 8, 'sha1')).toBe(sha1);
      expect(hotp(seeds.sha256, step, 8, 'sha256')).toBe(sha256);
      expect(hotp(seeds.sha512, step, 8, 'sha512')).toBe(sha512);
    },
  );

  it('6-digit codes are the last 6 digits of the same truncation (what apps show)', () => {
    const secret = base32Encode(seeds.sha1);
    expect(totpAt(secret, 59_000)).toBe('287082');
    expect(totpAt(secret, 1111111109_000)).toBe('081804');
  });

  it('base32 round-trips and decodes as apps display it (lower case, spaces)', () => {
    expect(base32Encode(Buffer.from('12345678901234567890'))).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    expect(base32Decode('gezd gnbv gy3t qojq gezd gnbv gy3t qojq').toString()).toBe('12345678901234567890');
    expect(() => base32Decode('GEZ1')).toThrow();
  });

  it('a new secret is 160 bits, base32', () => {
    const secret = newTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(base32Decode(secret)).toHaveLength(20);
    expect(newTotpSecret()).not.toBe(secret);
  });

  describe('drift window', () => {
    const secret = newTotpSecret();
    const now = 1_800_000_015_000; // 15 s into a step
    const step = timeStepAt(now);
    const codeOf = (s: number) => hotp(base32Decode(secret), s);

    it('accepts the current step and one step either side, naming the step matched', () => {
      expect(matchingTimeStep(secret, codeOf(step), now)).toBe(step);
      expect(matchingTimeStep(secret, codeOf(step - 1), now)).toBe(step - 1);
      expect(matchingTimeStep(secret, codeOf(step + 1), now)).toBe(step + 1);
    });
    it('refuses two steps either side', () => {
      // (A code may collide with a neighbour's by chance, 1 in 10^6: pick steps whose codes differ.)
      for (const s of [step - 2, step + 2]) {
        const code = codeOf(s);
        if ([step - 1, step, step + 1].some((n) => codeOf(n) === code)) continue;
        expect(matchingTimeStep(secret, code, now)).toBeNull();
      }
    });
    it('edges: the last millisecond of a step still accepts the previous one; the next step does not', () => {
      const startOfStep = step * 30_000;
      expect(matchingTimeStep(secret, codeOf(step - 1), startOfStep + 29_999)).toBe(step - 1);
      expect(matchingTimeStep(secret, codeOf(step - 1), startOfStep + 30_000)).toBeNull();
      expect(matchingTimeStep(secret, codeOf(step + 1), startOfStep)).toBe(step + 1);
      expect(matchingTimeStep(secret, codeOf(step + 1), startOfStep - 1)).toBeNull();
    });
    it('refuses anything that is not 6 digits; spaces are ignored', () => {
      const code = codeOf(step);
      expect(matchingTimeStep(secret, `${code.slice(0, 3)} ${code.slice(3)}`, now)).toBe(step);
      for (const bad of ['', '12345', '1234567', 'abcdef', `${code}0`, ' '])
        expect(matchingTimeStep(secret, bad, now)).toBeNull();
    });
  });

  it('otpauth URI names issuer, account, SHA1, 6 digits, 30 s', () => {
    const uri = new URL(otpauthUri('GEZDGNBV', 'ada', 'Terraform Platform'));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/Terraform Platform:ada');
    expect(Object.fromEntries(uri.searchParams)).toEqual({
      secret: 'GEZDGNBV',
      issuer: 'Terraform Platform',
      algorithm: 'SHA1',
      digits: '6',
      period: '30',
    });
  });
});

describe('recovery codes', () => {
  it('ten distinct codes of 80 bits, xxxx-xxxx-xxxx-xxxx', () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) expect(c).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
  });
  it('hash ignores case, spaces and dashes; stores no clear text', () => {
    const [code] = newRecoveryCodes();
    const hash = recoveryCodeHash(code!);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(recoveryCodeHash(code!.toUpperCase().replace(/-/g, ' '))).toBe(hash);
    expect(normaliseRecoveryCode(' AB-cd ')).toBe('abcd');
  });
});
