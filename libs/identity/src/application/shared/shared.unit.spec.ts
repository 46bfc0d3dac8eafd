import { randomBytes } from 'node:crypto';
import { SecretBox, sha256Hex } from '@idp/eventing';
import { gravatarUrl } from './account-store';
import { issueLinkToken, parseLinkToken } from './link-token';
import { randomBase58, userIdGenerator } from './user-ids';

describe('user ids', () => {
  it('are user- and 16 base58 characters, all different', () => {
    const ids = Array.from({ length: 2000 }, () => userIdGenerator.next());
    for (const id of ids) expect(id).toMatch(/^user-[1-9A-HJ-NP-Za-km-z]{16}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('use every base58 character about equally (no modulo bias)', () => {
    const counts = new Map<string, number>();
    for (const c of randomBase58(58 * 2000)) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(58);
    for (const n of counts.values()) expect(Math.abs(n - 2000)).toBeLessThan(300);
  });
});

describe('link tokens', () => {
  const box = new SecretBox([randomBytes(32)]);
  const now = new Date('2026-11-26T10:00:00.000Z');

  it('embed the user id, store only the hash of the secret part, and seal the whole token', () => {
    const { token, pending } = issueLinkToken(box, 'user-Abc', 'email-confirmation', now, 60_000);
    const [userId, secret] = token.split('.');
    expect(userId).toBe('user-Abc');
    expect(pending).toEqual({
      tokenHash: sha256Hex(secret!),
      expiresAt: '2026-11-26T10:01:00.000Z',
      sealedToken: expect.stringMatching(/^v1\./),
    });
    expect(JSON.stringify(pending)).not.toContain(secret);
    expect(box.open(pending.sealedToken, 'email-confirmation')).toBe(token);
    expect(() => box.open(pending.sealedToken, 'password-reset')).toThrow();
    expect(parseLinkToken(` ${token} `)).toEqual({ userId: 'user-Abc', tokenHash: pending.tokenHash });
  });

  it.each([
    '',
    'garbage',
    'user-1',
    'user-1.',
    '.secretsecretsecret',
    'user-1.a.b',
    'account-1.secretsecretsecret',
    'user-1.short',
  ])('refuse %j with ACCOUNT.INVALID_TOKEN', (token) =>
    expect(() => parseLinkToken(token)).toThrow(expect.objectContaining({ code: 'ACCOUNT.INVALID_TOKEN' })),
  );
});

describe('avatar', () => {
  it('is gravatar of the md5 of the trimmed, lower-cased address', () => {
    // md5("myemailaddress@example.com"), Gravatar's documented example
    expect(gravatarUrl('  MyEmailAddress@example.com ')).toBe(
      'https://www.gravatar.com/avatar/0bc83cb571cd1c50ba6f3e8a78ef1346?s=100&d=mm',
    );
  });
});
