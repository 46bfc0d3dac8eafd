import { COMMON_PASSWORDS_TEXT } from './common-passwords.data';

/**
 * Why a password is easy to guess:
 * - `common`: it is a common password (`common-passwords.data.ts`), or a trivial variant of one or two of them:
 *   any case, look-alike substitutions (`p@ssw0rd`), accents (`pässwörd`), full-width forms, separators
 *   (`pass-word`), up to 8 digits/symbols around it (`Password2024!`, `!!dragon19871203`), keyboard or alphabet
 *   runs beside it (`monkeyqwerty`), or a repetition of one (`passwordpassword`);
 * - `predictable`: it is made only of keyboard walks, alphabet or digit runs (4 keys or more) and repeats
 *   (`qwertyuiop`, `1qaz2wsx3edc`, `zyxwvutsrq`, `aaaaaaaaaaaa`, `abcabcabcabc`), with at most 4 digits/symbols
 *   around them.
 */
export type Guessability = 'common' | 'predictable';

/** Look-alike characters folded onto the letter they stand for, on both the list and the input (`1`, `l`, `!` → i). */
const LOOK_ALIKES: Readonly<Record<string, string>> = {
  '@': 'a',
  '4': 'a',
  '3': 'e',
  '1': 'i',
  '!': 'i',
  '|': 'i',
  l: 'i',
  '0': 'o',
  $: 's',
  '5': 's',
  '7': 't',
  '+': 't',
};

/**
 * Lower case, accents and other combining marks removed, compatibility forms folded (full-width `ｐａｓｓ` → `pass`):
 * the form in which passwords are compared with lists and patterns (never the one that is hashed).
 */
export const matchingForm = (text: string): string =>
  text
    .normalize('NFKD')
    .toLowerCase()
    .replace(/\p{M}+/gu, '')
    .normalize('NFKC');

/** One code point of `matchingForm` with look-alikes folded: the form compared with the list and identifiers. */
export const foldLookAlike = (c: string): string => LOOK_ALIKES[c] ?? c;

// Keyboard walks and runs, matched forwards and backwards as substrings. Rows of QWERTY (unshifted and shifted),
// QWERTZ and AZERTY, columns of QWERTY (down, and zig-zag up), and the numeric keypad.
const SEQUENCES: readonly (readonly string[])[] = [
  'abcdefghijklmnopqrstuvwxyz',
  '01234567890',
  '`1234567890-=',
  '~!@#$%^&*()_+',
  'qwertyuiop[]\\',
  'qwertyuiop{}|',
  "asdfghjkl;'",
  'asdfghjkl:"',
  'zxcvbnm,./',
  'zxcvbnm<>?',
  'qwertzuiopü',
  'asdfghjklöä',
  'yxcvbnm',
  'azertyuiop',
  'qsdfghjklm',
  'wxcvbn',
  '1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.0p;/',
  '!qaz@wsx#edc$rfv%tgb^yhn&ujm*ik<(ol>)p:?',
  'zaq1xsw2cde3vfr4bgt5nhy6mju7,ki8.lo9/;p0',
  'qazwsxedcrfvtgbyhnujmikolp',
  '789456123',
  '741852963',
  '147258369',
]
  .map((s) => Array.from(matchingForm(s)))
  .flatMap((s) => [s, [...s].reverse()]);

const MIN_RUN = 4;
const MIN_WORD = 4;
/** Digits/symbols tolerated around the base of a variant (a year, a date, `123!`). */
const MAX_AFFIX = 8;
/** Digits/symbols tolerated around a password that is only a keyboard/alphabet pattern. */
const MAX_PATTERN_AFFIX = 4;
/** Common words a variant may combine (`monkeydragon`); three or more make a passphrase worth its length. */
const MAX_WORDS = 2;
/** Bit k of a DP cell: the prefix can be covered with exactly k common words (k ≤ MAX_WORDS). */
const WORD_COUNTS = (1 << (MAX_WORDS + 1)) - 1;
const NO_WORD = 0b1;
/** Repeating a unit this short is a pattern whatever the unit (`abab…`, `ab12ab12…`). */
const MAX_TRIVIAL_UNIT = 4;

const AFFIX = /^[\p{N}\p{P}\p{S}\s]$/u;
const GLUE = /^[\s._-]$/u;

interface Dictionary {
  /** Entries as listed (in matching form). */
  readonly exact: ReadonlySet<string>;
  /** Entries with look-alikes folded. */
  readonly folded: ReadonlySet<string>;
  readonly maxLength: number;
}

let commonWords: Dictionary | undefined;
const dictionary = (): Dictionary => {
  if (!commonWords) {
    const exact = new Set<string>();
    const folded = new Set<string>();
    let maxLength = 0;
    for (const line of COMMON_PASSWORDS_TEXT.split('\n')) {
      if (!line) continue;
      const cps = Array.from(matchingForm(line));
      exact.add(cps.join(''));
      folded.add(cps.map(foldLookAlike).join(''));
      maxLength = Math.max(maxLength, cps.length);
    }
    commonWords = { exact, folded, maxLength };
  }
  return commonWords;
};

const LETTER = /^\p{L}$/u;

/**
 * Whether raw[i, j) is a common password, as listed or with look-alikes folded. A folded match needs at least as
 * many letters as digits and symbols: `p@55w0rd` is "password", but `7175` is not "tits" (random digits would
 * otherwise spell list entries every few dozen passwords).
 */
const isCommonWord = (
  words: Dictionary,
  raw: readonly string[],
  folded: readonly string[],
  nonLetters: readonly number[],
  i: number,
  j: number,
): boolean =>
  words.exact.has(raw.slice(i, j).join('')) ||
  (2 * (nonLetters[j] - nonLetters[i]) <= j - i && words.folded.has(folded.slice(i, j).join('')));

/** nonLetters[k] = how many of raw[0, k) are not letters. */
const countNonLetters = (raw: readonly string[]): number[] => {
  const counts = [0];
  for (const c of raw) counts.push(counts[counts.length - 1] + (LETTER.test(c) ? 0 : 1));
  return counts;
};

/** End (exclusive) of the longest repeat or sequence run starting at `i`. */
const runEnd = (cps: readonly string[], i: number): number => {
  let end = i + 1;
  while (end < cps.length && cps[end] === cps[i]) end++;
  for (const seq of SEQUENCES) {
    for (let p = seq.indexOf(cps[i]); p !== -1; p = seq.indexOf(cps[i], p + 1)) {
      let k = 1;
      while (i + k < cps.length && seq[p + k] === cps[i + k]) k++;
      end = Math.max(end, i + k);
    }
  }
  return end;
};

/**
 * Whether `raw` (code points of the matching form) and `folded` (the same with look-alikes folded) split into
 * prefix affix, core, suffix affix, where the core is common words, runs and separators. A small dynamic program over
 * (position, phase, affix length) whose value is the set of achievable common-word counts (bit k = k words).
 */
const coverage = (raw: readonly string[], folded: readonly string[]): Guessability | undefined => {
  const n = raw.length;
  const words = dictionary();
  const nonLetters = countNonLetters(raw);
  const wordEnds = raw.map((_, i) => {
    const ends: number[] = [];
    for (let j = i + MIN_WORD; j <= Math.min(n, i + words.maxLength); j++)
      if (isCommonWord(words, raw, folded, nonLetters, i, j)) ends.push(j);
    return ends;
  });
  const runEnds = raw.map((_, i) => runEnd(raw, i));
  const affix = raw.map((c) => AFFIX.test(c));
  const glue = raw.map((c) => GLUE.test(c));

  // phase 0: prefix affix, 1: core, 2: suffix affix
  const width = MAX_AFFIX + 1;
  const at = (i: number, phase: number, used: number) => (i * 3 + phase) * width + used;
  const counts = new Uint8Array((n + 1) * 3 * width);
  counts[at(0, 0, 0)] = NO_WORD;
  for (let i = 0; i < n; i++) {
    for (let phase = 0; phase < 3; phase++) {
      for (let used = 0; used <= MAX_AFFIX; used++) {
        const mask = counts[at(i, phase, used)];
        if (!mask) continue;
        if (affix[i] && used < MAX_AFFIX) counts[at(i + 1, phase === 0 ? 0 : 2, used + 1)] |= mask;
        if (phase === 2) continue;
        if (phase === 1 && glue[i]) counts[at(i + 1, 1, used)] |= mask;
        for (const j of wordEnds[i]) counts[at(j, 1, used)] |= (mask << 1) & WORD_COUNTS;
        for (let j = i + MIN_RUN; j <= runEnds[i]; j++) counts[at(j, 1, used)] |= mask;
      }
    }
  }

  let predictable = false;
  for (let used = 0; used <= MAX_AFFIX; used++) {
    const mask = counts[at(n, 1, used)] | counts[at(n, 2, used)];
    if (mask & WORD_COUNTS & ~NO_WORD) return 'common';
    if (mask & NO_WORD && used <= MAX_PATTERN_AFFIX) predictable = true;
  }
  return predictable ? 'predictable' : undefined;
};

const smallestPeriod = (cps: readonly string[]): number => {
  for (let p = 1; p <= cps.length / 2; p++) {
    if (cps.length % p !== 0) continue;
    if (cps.every((c, i) => c === cps[i % p])) return p;
  }
  return cps.length;
};

const assess = (raw: readonly string[], folded: readonly string[]): Guessability | undefined => {
  if (raw.length === 0) return undefined;
  if (isCommonWord(dictionary(), raw, folded, countNonLetters(raw), 0, raw.length)) return 'common';
  const period = smallestPeriod(raw);
  if (period < raw.length) {
    if (period <= MAX_TRIVIAL_UNIT) return 'predictable';
    const unit = assess(raw.slice(0, period), folded.slice(0, period));
    if (unit) return unit;
  }
  return coverage(raw, folded);
};

/**
 * Whether a password is easy to guess (see `Guessability`), or `undefined` when none of these rules applies. It is
 * a blocklist with its trivial variants, not a strength meter: a password it passes may still be weak, but one it
 * flags is in every attacker's first guesses. Linear in the password's length for ordinary input; bound the input
 * (the policy's maximum length) before calling it.
 */
export const assessGuessability = (password: string): Guessability | undefined => {
  const raw = Array.from(matchingForm(password));
  const folded = raw.map(foldLookAlike);
  const verdict = assess(raw, folded);
  if (verdict) return verdict;
  // Once more without separators, so that a common password spelled with spaces (`i love you 2`) is found; the
  // first pass keeps them, since '.', '-' and ',' are part of keyboard walks.
  const keep = raw.map((c) => !GLUE.test(c));
  if (keep.every(Boolean)) return undefined;
  return assess(
    raw.filter((_, i) => keep[i]),
    folded.filter((_, i) => keep[i]),
  );
};
