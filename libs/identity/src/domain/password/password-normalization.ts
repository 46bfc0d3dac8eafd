/**
 * The one form in which a password is checked, hashed and verified: RFC 8265's OpaqueString profile (PRECIS), i.e.
 * Unicode NFC with every non-ASCII space mapped to U+0020. Without it "é" typed as one code point (Windows) and as
 * "e" + U+0301 (macOS) would be two different passwords, and a no-break space pasted from a document would lock its
 * owner out. Case, width and compatibility characters are kept: they are part of the secret.
 *
 * Changing this function changes the bytes every stored hash was made from: never change it without a migration.
 */
export const normalizePassword = (password: string): string =>
  password.normalize('NFC').replace(/\p{Zs}/gu, ' ');

/** Code points, not UTF-16 units: an emoji outside the BMP is one character to the person typing it. */
export const countCodePoints = (text: string): number => {
  let count = 0;
  for (const _ of text) count++;
  return count;
};

/**
 * Unpaired UTF-16 surrogates cannot be encoded in UTF-8: encoders replace each with U+FFFD, so two different such
 * strings would hash to the same bytes. They never come from a keyboard; they are refused everywhere.
 */
export const hasLoneSurrogate = (text: string): boolean => /\p{Cs}/u.test(text);
