import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * TOTP as RFC 6238 defines it with the parameters every authenticator app assumes: HMAC-SHA-1, 6 digits, 30-second
 * steps from the Unix epoch (RFC 4226 dynamic truncation). Implemented on node:crypto (no dependency: otplib 13's
 * ESM-only crypto packages need Jest transform exceptions, and this is 30 lines).
 */
export const TOTP_STEP_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** RFC 6238 §5.2: accept at most one step of drift either way. */
export const TOTP_DRIFT_STEPS = 1;
/** 160 bits, RFC 4226 §4's recommended shared-secret length. */
export const TOTP_SECRET_BYTES = 20;

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export const base32Encode = (bytes: Uint8Array): string => {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
};

/** Unpadded, case-insensitive, spaces ignored (how apps display secrets); throws on any other character. */
export const base32Decode = (text: string): Buffer => {
  const clean = text.replace(/[\s=]/g, '').toUpperCase();
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const char of clean) {
    const index = BASE32.indexOf(char);
    if (index < 0) throw new Error('not base32');
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
};

/** A fresh secret, base32 (what the user types or scans). */
export const newTotpSecret = (): string => base32Encode(randomBytes(TOTP_SECRET_BYTES));

/** The time step an instant falls in. */
export const timeStepAt = (epochMs: number, stepSeconds = TOTP_STEP_SECONDS): number =>
  Math.floor(epochMs / 1000 / stepSeconds);

/** HOTP (RFC 4226) of one counter value; `algorithm` is `sha1` for TOTP apps (the RFC 6238 vectors use others too). */
export const hotp = (
  key: Buffer,
  counter: number,
  digits = TOTP_DIGITS,
  algorithm: 'sha1' | 'sha256' | 'sha512' = 'sha1',
): string => {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(algorithm, key).update(message).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
};

/** The code of the step an instant falls in. */
export const totpAt = (secretBase32: string, epochMs: number): string =>
  hotp(base32Decode(secretBase32), timeStepAt(epochMs));

/**
 * The time step whose code `code` is, searched within ±`TOTP_DRIFT_STEPS` of now (the current step first), or null.
 * Every candidate is compared in constant time. Whether that step was already used is the account decider's call.
 */
export const matchingTimeStep = (secretBase32: string, code: string, epochMs: number): number | null => {
  const typed = code.replace(/\s/g, '');
  if (!/^\d{6}$/.test(typed)) return null;
  const key = base32Decode(secretBase32);
  const now = timeStepAt(epochMs);
  let found: number | null = null;
  for (const step of [now, now - 1, now + 1]) {
    const expected = Buffer.from(hotp(key, step));
    if (timingSafeEqual(expected, Buffer.from(typed)) && found === null) found = step;
  }
  return found;
};

/** The `otpauth://` URI authenticator apps scan (Google Authenticator's key-uri format). */
export const otpauthUri = (secretBase32: string, accountName: string, issuer: string): string => {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(accountName)}`;
  const query = new URLSearchParams({
    secret: secretBase32,
    issuer,
    algorithm: 'SHA1',
    digits: String(TOTP_DIGITS),
    period: String(TOTP_STEP_SECONDS),
  });
  return `otpauth://totp/${label}?${query.toString()}`;
};
