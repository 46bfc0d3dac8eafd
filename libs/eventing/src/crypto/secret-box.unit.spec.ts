import { createHash, randomBytes } from 'node:crypto';
import { SealedValueInvalid, SecretBox, newLinkToken, sameDigest, sha256Hex } from './secret-box';

describe('SecretBox', () => {
  const k1 = randomBytes(32);
  const k2 = randomBytes(32);

  it('seals and opens, and the sealed text reveals nothing of the secret', () => {
    const box = new SecretBox([k1]);
    const sealed = box.seal('reset-token-123', 'password-reset');
    expect(sealed).toMatch(/^v1\.[\w-]{8}\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain('reset-token');
    expect(box.open(sealed, 'password-reset')).toBe('reset-token-123');
    expect(box.seal('x', 'c')).not.toBe(box.seal('x', 'c')); // random IV
  });

  it('refuses another context, another key, and any tampering', () => {
    const box = new SecretBox([k1]);
    const sealed = box.seal('secret', 'email-confirmation');
    expect(() => box.open(sealed, 'totp-secret')).toThrow(SealedValueInvalid);
    expect(() => new SecretBox([k2]).open(sealed, 'email-confirmation')).toThrow(/unknown key/);
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0] = body[0]! ^ 1;
    expect(() =>
      box.open([...parts.slice(0, 3), body.toString('base64url')].join('.'), 'email-confirmation'),
    ).toThrow(/authentication failed/);
    expect(() => box.open('garbage', 'x')).toThrow(SealedValueInvalid);
    expect(() => box.open('v1.a.b.c', 'x')).toThrow(SealedValueInvalid);
  });

  it('rotates keys: seals with the newest, still opens what older keys sealed', () => {
    const old = new SecretBox([k1]).seal('before rotation', 'c');
    const rotated = new SecretBox([k2, k1]);
    expect(rotated.open(old, 'c')).toBe('before rotation');
    expect(() => new SecretBox([k1]).open(rotated.seal('after', 'c'), 'c')).toThrow(/unknown key/);
  });

  it('makes 256-bit link tokens and compares their hashes in constant time', () => {
    const t = newLinkToken();
    expect(Buffer.from(t, 'base64url')).toHaveLength(32);
    expect(sha256Hex(t)).toMatch(/^[0-9a-f]{64}$/);
    expect(sameDigest(sha256Hex(t), sha256Hex(t))).toBe(true);
    expect(sameDigest(sha256Hex(t), sha256Hex(newLinkToken()))).toBe(false);
    expect(sameDigest('ab', 'abcd')).toBe(false);
  });

  it('hashes the UTF-8 bytes of the text (SHA-256 test vectors)', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('é')).toBe(
      createHash('sha256')
        .update(Buffer.from([0xc3, 0xa9]))
        .digest('hex'),
    );
  });

  it('refuses keys that are not 32 bytes', () => {
    expect(() => new SecretBox([randomBytes(16)])).toThrow(/32 bytes/);
    expect(() => new SecretBox([])).toThrow();
  });
});
