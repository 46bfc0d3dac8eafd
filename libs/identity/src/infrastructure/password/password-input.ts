import { hasLoneSurrogate, normalizePassword, PASSWORD_MAX_BYTES } from '../../domain/password';

/**
 * The bytes every hasher hashes: the UTF-8 encoding of `normalizePassword(password)`, or `undefined` when the input
 * is refused (bigger than `PASSWORD_MAX_BYTES`, or a lone surrogate that UTF-8 cannot carry). The length check on
 * the raw string comes first, so a huge input is refused before it is normalised or copied: UTF-8 never takes fewer
 * bytes than UTF-16 units, and NFC composes at most a few code points into one, so 4 units per byte of the limit
 * is a safe bound.
 */
export const passwordBytes = (password: string): Buffer | undefined => {
  if (password.length > PASSWORD_MAX_BYTES * 4) return undefined;
  const normalized = normalizePassword(password);
  if (hasLoneSurrogate(normalized)) return undefined;
  const bytes = Buffer.from(normalized, 'utf8');
  return bytes.length > PASSWORD_MAX_BYTES ? undefined : bytes;
};
