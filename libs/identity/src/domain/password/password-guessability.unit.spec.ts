import { COMMON_PASSWORDS_TEXT } from './common-passwords.data';
import { assessGuessability, matchingForm } from './password-guessability';

// Deterministic pseudo-random generator (mulberry32), so that the false-positive bound below never flakes.
const prng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

describe('common passwords list', () => {
  const entries = COMMON_PASSWORDS_TEXT.split('\n').filter(Boolean);

  it('holds the few thousand most common passwords: lower-case ASCII, no duplicates', () => {
    expect(entries.length).toBeGreaterThan(8_000);
    expect(new Set(entries).size).toBe(entries.length);
    for (const entry of entries) expect(entry).toMatch(/^[\x21-\x7e]{4,}$/);
    for (const entry of entries) expect(entry).toBe(entry.toLowerCase());
    expect(entries.slice(0, 3)).toEqual(['password', 'qwerty', 'dragon']);
  });

  it('flags every entry of it', () => {
    for (const entry of entries) expect([entry, assessGuessability(entry)]).toEqual([entry, 'common']);
  });
});

describe('assessGuessability', () => {
  it.each([
    // listed, any case
    'password',
    'PASSWORD',
    'iloveyou',
    'Superman',
    'baseball',
    '1234567890',
    'qwertyuiop',
    'trustno1',
    // digits and symbols around a common base (a year, a date, "123!")
    'password1',
    'Password2024!',
    'password!!!!',
    '!!password',
    '2024dragon',
    'dragon19871203',
    'Summer2024!',
    'Welcome123!',
    'Liverpool1892',
    'letmein!!!!',
    // look-alikes, accents, full width, separators and spaces
    'P@ssw0rd123',
    'p4$$w0rd!!',
    'pässwörd1234',
    'ｐａｓｓｗｏｒｄ１２３',
    'pass-word-123',
    'i love you 2',
    'I.Love.You.2024',
    // combinations of one or two common words with runs
    'monkeydragon',
    'footballbaseball',
    'passwordpassword',
    'hunter2hunter2',
    'password1234567890',
    'monkeyqwerty',
    'qwerty2024!',
  ])('flags %j as common', (password) => {
    expect(assessGuessability(password)).toBe('common');
  });

  it.each([
    'aaaaaaaaaaaa',
    '!!!!!!!!!!!!',
    '😀😀😀😀😀😀😀😀😀😀',
    'ababababab',
    'abcabcabcabc',
    'ab12ab12ab12',
    'zyxwvutsrq',
    'abcdefghijklmn',
    '0987654321',
    '9876543210!',
    '!@#$%^&*()',
    '7418529630',
    '1qaz2wsx3edc4rfv',
    'asdfghjklqwertyuiop',
    'qwertzuiopü',
    'lkjhgfdsa123',
    'azertyuiopqsdfghjklm',
  ])('flags %j as predictable or common', (password) => {
    expect(['predictable', 'common']).toContain(assessGuessability(password));
  });

  it('tells pure patterns apart from list entries', () => {
    expect(assessGuessability('aaaaaaaaaaaa')).toBe('predictable');
    expect(assessGuessability('zyxwvutsrqpo')).toBe('predictable');
    expect(assessGuessability('mnbvcxzlkjhgf')).toBe('predictable');
    expect(assessGuessability('password12')).toBe('common');
  });

  it.each([
    'correct horse battery staple',
    'glacier-umbrella-violet-42',
    'my cat eats purple bananas',
    'Tr0ub4dor&3xyz',
    'kT9#vX2$mQ',
    'xq7-bund-vamp-oryx',
    'abcd8461937!', // a run with more random digits than it
    'wolf9284716350',
    'ꙮ𝕊ø🦊 ψυχή אור ضوء',
    'パスワードは長いほうがいい',
  ])('does not flag %j', (password) => {
    expect(assessGuessability(password)).toBeUndefined();
  });

  it('flags almost no random password (deterministic sample)', () => {
    const random = prng(20261126);
    const alphabets = [
      'abcdefghijklmnopqrstuvwxyz',
      'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
      'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!@#$%^&*()-_=+[]{};:,.<>/?',
      '0123456789',
    ];
    const flagged = alphabets.map((alphabet) => {
      let count = 0;
      for (let i = 0; i < 1_000; i++) {
        let password = '';
        for (let k = 0; k < 10; k++) password += alphabet[Math.floor(random() * alphabet.length)];
        if (assessGuessability(password)) count++;
      }
      return count;
    });
    // Random letters and symbols: none; 10 random digits: only the rare ones holding a long keypad walk.
    expect(flagged.slice(0, 3)).toEqual([0, 0, 0]);
    expect(flagged[3]).toBeLessThanOrEqual(5);
  });

  it('stays fast on the longest allowed inputs, patterned or not', () => {
    const inputs = [
      'x9!Kq'.repeat(51),
      '1234567890'.repeat(25) + '!',
      'a'.repeat(255) + 'b',
      'ab'.repeat(128),
    ];
    assessGuessability('warm up the dictionary');
    for (const input of inputs) {
      const began = performance.now();
      assessGuessability(input);
      expect(performance.now() - began).toBeLessThan(100);
    }
  });

  it('compares in a form that ignores case, accents and compatibility width', () => {
    expect(matchingForm('ÅNGSTRÖM Ｐａｓｓ İstanbul')).toBe('angstrom pass istanbul');
  });
});
