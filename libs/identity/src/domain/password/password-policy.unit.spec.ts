import { DomainError } from '@idp/eventing';
import {
  assertPasswordAcceptable,
  checkPassword,
  DEFAULT_PASSWORD_POLICY,
  InvalidPassword,
  type PasswordCheck,
  PASSWORD_MAX_BYTES,
} from '.';

const codes = (check: PasswordCheck) => (check.ok ? [] : check.violations.map((v) => v.code));
const messages = (check: PasswordCheck) => (check.ok ? [] : check.violations.map((v) => v.message));

describe('password policy', () => {
  describe('length, in code points of the NFC form', () => {
    it('refuses 9 characters and accepts 10, with Terraform Cloud’s message', () => {
      expect(checkPassword('Vx7#kq2Lm')).toEqual({
        ok: false,
        violations: [
          { code: 'PASSWORD.TOO_SHORT', message: 'Password is too short (minimum is 10 characters)' },
        ],
      });
      expect(checkPassword('Vx7#kq2Lmz')).toEqual({ ok: true });
    });

    it('counts a letter and its combining accent as one character when NFC composes them', () => {
      // "é" typed as e + U+0301: 10 UTF-16 units, 9 characters once composed.
      const decomposed = 'Ve\u0301x7#kq2L';
      expect(decomposed.length).toBe(10);
      expect(codes(checkPassword(decomposed))).toEqual(['PASSWORD.TOO_SHORT']);
      expect(checkPassword(`${decomposed}z`)).toEqual({ ok: true });
    });

    it('counts combining marks that have no precomposed form as characters of their own', () => {
      // q, j, k, w, g + U+0303 (no precomposed "q̃"…): two code points each after NFC.
      const tildes = Array.from('qjkwg', (c) => `${c}\u0303`).join('');
      expect(tildes.normalize('NFC')).toBe(tildes);
      expect(checkPassword(tildes)).toEqual({ ok: true });
      expect(codes(checkPassword(tildes.slice(0, -1)))).toEqual(['PASSWORD.TOO_SHORT']);
    });

    it('counts an emoji outside the BMP as one character, not two UTF-16 units', () => {
      const nine = '🦊🐙🦉🐝🌵🍄🪐🛸🧭';
      expect(nine.length).toBe(18);
      expect(codes(checkPassword(nine))).toEqual(['PASSWORD.TOO_SHORT']);
      expect(checkPassword(`${nine}🎻`)).toEqual({ ok: true });
    });

    it('counts each code point of an emoji sequence (skin tones, ZWJ families)', () => {
      // 👍🏽 = 2 code points; 👨‍👩‍👧‍👦 = 7 (4 people + 3 zero-width joiners).
      expect(codes(checkPassword('👨‍👩‍👧‍👦👍🏽'))).toEqual(['PASSWORD.TOO_SHORT']);
      expect(checkPassword('👨‍👩‍👧‍👦👍🏽🌵')).toEqual({ ok: true });
    });

    it('accepts right-to-left and mixed-direction passwords of enough characters', () => {
      expect(checkPassword('שלום-עולם-9')).toEqual({ ok: true });
      expect(checkPassword('مرحبا بالعالم')).toEqual({ ok: true });
      expect(checkPassword('\u202Eabc\u202C שלום 42 مرحبا')).toEqual({ ok: true });
      expect(codes(checkPassword('שלוםעולם'))).toEqual(['PASSWORD.TOO_SHORT']);
    });

    it(`refuses more than ${DEFAULT_PASSWORD_POLICY.maxLength} characters, and 256 of the widest fit the hasher`, () => {
      // 256 distinct 4-byte code points (U+1F300…): the longest allowed password in UTF-8.
      const max = Array.from({ length: DEFAULT_PASSWORD_POLICY.maxLength }, (_, i) =>
        String.fromCodePoint(0x1f300 + i),
      ).join('');
      expect(checkPassword(max)).toEqual({ ok: true });
      expect(Buffer.byteLength(max)).toBe(PASSWORD_MAX_BYTES);
      expect(checkPassword(`${max}x`)).toEqual({
        ok: false,
        violations: [
          { code: 'PASSWORD.TOO_LONG', message: 'Password is too long (maximum is 256 characters)' },
        ],
      });
    });

    it('refuses a huge input at once, without normalising or analysing it', () => {
      const began = performance.now();
      expect(codes(checkPassword('x'.repeat(5_000_000)))).toEqual(['PASSWORD.TOO_LONG']);
      expect(performance.now() - began).toBeLessThan(50);
    });

    it('takes other bounds from its options', () => {
      expect(messages(checkPassword('Vx7#kq2Lmz', {}, { minLength: 12, maxLength: 64 }))).toEqual([
        'Password is too short (minimum is 12 characters)',
      ]);
    });
  });

  describe('blank and invisible', () => {
    it('refuses the empty string as blank and too short', () => {
      expect(checkPassword('')).toEqual({
        ok: false,
        violations: [
          { code: 'PASSWORD.BLANK', message: "Password can't be blank" },
          { code: 'PASSWORD.TOO_SHORT', message: 'Password is too short (minimum is 10 characters)' },
        ],
      });
    });

    it('refuses whitespace of any script and invisible format characters, however long', () => {
      for (const blank of [
        ' '.repeat(12),
        '\u00a0'.repeat(12), // no-break space
        '\u3000'.repeat(12), // ideographic space
        ' \u2003 \u2009 \u200b \u200d \ufeff ', // em space, thin space, zero-width space/joiner, BOM
      ])
        expect(codes(checkPassword(blank))).toContain('PASSWORD.BLANK');
    });

    it('keeps spaces inside a password: they are characters like any other', () => {
      expect(checkPassword('  violet  glacier  umbrella  ')).toEqual({ ok: true });
    });

    it('refuses control characters and unpaired surrogates', () => {
      for (const bad of ['correct\thorse battery', 'correct horse\nbattery', 'correct\u0000horse battery'])
        expect(codes(checkPassword(bad))).toEqual(['PASSWORD.INVALID_CHARACTERS']);
      expect(codes(checkPassword('correct horse \ud83d battery'))).toEqual(['PASSWORD.INVALID_CHARACTERS']);
      expect(messages(checkPassword('correct\thorse battery'))[0]).toMatch(/^Password can't contain control/);
    });
  });

  describe('username and e-mail', () => {
    const context = { username: 'ada_lovelace', email: 'countess.ada+tfc@example.com' };

    it('refuses the username itself and passwords containing it, whatever the case', () => {
      expect(checkPassword('ada_lovelace', context)).toMatchObject({
        ok: false,
        violations: [{ code: 'PASSWORD.CONTAINS_USERNAME', message: "Password can't contain your username" }],
      });
      expect(codes(checkPassword('I am ADA_LOVELACE!', context))).toEqual(['PASSWORD.CONTAINS_USERNAME']);
      expect(codes(checkPassword('xx-Ada-Lovelace-xx', context))).toEqual(['PASSWORD.CONTAINS_USERNAME']);
    });

    it('refuses a long part of the username, with accents, look-alikes and full-width forms', () => {
      expect(codes(checkPassword('my LOVELACE era 1843', context))).toContain('PASSWORD.CONTAINS_USERNAME');
      expect(codes(checkPassword('my l0v3l@ce era 1843', context))).toContain('PASSWORD.CONTAINS_USERNAME');
      expect(codes(checkPassword('my Lövëlâcé era 1843', context))).toContain('PASSWORD.CONTAINS_USERNAME');
      expect(codes(checkPassword('my ｌｏｖｅｌａｃｅ era 1843', context))).toContain(
        'PASSWORD.CONTAINS_USERNAME',
      );
    });

    it('refuses the e-mail local part and its parts, with or without the +tag, not the domain', () => {
      expect(messages(checkPassword('countess.ada+tfc', context))).toContain(
        "Password can't contain parts of your email address",
      );
      expect(codes(checkPassword('the Countess of maths', context))).toEqual(['PASSWORD.CONTAINS_EMAIL']);
      expect(codes(checkPassword('countessada-99-zebra', context))).toEqual(['PASSWORD.CONTAINS_EMAIL']);
      expect(checkPassword('example.com rules everything', context)).toEqual({ ok: true });
    });

    it('refuses a short username only as the whole password, give or take digits and symbols', () => {
      const short = { username: 'ada' };
      expect(codes(checkPassword('Ada2024!!!!', short))).toEqual(['PASSWORD.CONTAINS_USERNAME']);
      expect(codes(checkPassword('1234567ada!', short))).toEqual(['PASSWORD.CONTAINS_USERNAME']);
      expect(checkPassword('armadas of drifting lanterns', short)).toEqual({ ok: true });
      expect(checkPassword('ada and the analytical engine', short)).toEqual({ ok: true });
    });

    it('matches identifiers in other scripts too', () => {
      const context = { username: 'Jürgen-Straße', email: 'δημήτρης@example.gr' };
      expect(codes(checkPassword('JURGEN ist mein name', context))).toEqual(['PASSWORD.CONTAINS_USERNAME']);
      expect(codes(checkPassword('ΔΗΜΗΤΡΗΣ-2024-ok!', context))).toEqual(['PASSWORD.CONTAINS_EMAIL']);
    });

    it('applies no identifier rule when none is known', () => {
      expect(checkPassword('countess of the engine')).toEqual({ ok: true });
    });
  });

  describe('common and predictable passwords', () => {
    it('refuses a common password with its code and message (and too short when it is)', () => {
      expect(checkPassword('password')).toEqual({
        ok: false,
        violations: [
          { code: 'PASSWORD.TOO_SHORT', message: 'Password is too short (minimum is 10 characters)' },
          {
            code: 'PASSWORD.TOO_COMMON',
            message: 'Password is too common (it is a frequently used password)',
          },
        ],
      });
      expect(codes(checkPassword('Password123!'))).toEqual(['PASSWORD.TOO_COMMON']);
      expect(codes(checkPassword('1234567890'))).toEqual(['PASSWORD.TOO_COMMON']);
    });

    it('refuses keyboard walks and repeats as too predictable', () => {
      expect(checkPassword('aaaaaaaaaaaa')).toEqual({
        ok: false,
        violations: [
          {
            code: 'PASSWORD.TOO_PREDICTABLE',
            message:
              'Password is too easy to guess (avoid keyboard patterns, sequences and repeated characters)',
          },
        ],
      });
      expect(codes(checkPassword('zyxwvutsrqpo'))).toEqual(['PASSWORD.TOO_PREDICTABLE']);
    });

    it('lists every broken rule at once', () => {
      expect(codes(checkPassword('ada2024', { username: 'ada' }))).toEqual([
        'PASSWORD.TOO_SHORT',
        'PASSWORD.CONTAINS_USERNAME',
      ]);
      expect(codes(checkPassword('dragon\tdragon', { username: 'dragon' }))).toEqual([
        'PASSWORD.INVALID_CHARACTERS',
        'PASSWORD.CONTAINS_USERNAME',
        'PASSWORD.TOO_COMMON',
      ]);
    });
  });

  describe('strong passwords', () => {
    it.each([
      'correct horse battery staple',
      'glacier-umbrella-violet-42',
      'my cat eats purple bananas at noon',
      'Tr0ub4dor&3-xylophone',
      'kT9#vX2$mQ',
      'nP4!eW8@zR6%',
      'Ωμέγα-λάμδα-σίγμα',
      'τὸ καλὸν κἀγαθόν',
      'סיסמה חזקה מאוד',
      'كلمة مرور قوية جدا',
      'パスワードは長いほうがいい',
      '密码要足够长才会安全',
      'ꙮ𝕊ø🦊 ψυχή אור ضوء',
      '🦊🐙🦉🐝🌵🍄🪐🛸🧭🎻',
    ])('accepts %j', (password) => {
      expect(checkPassword(password, { username: 'grace', email: 'grace.hopper@example.com' })).toEqual({
        ok: true,
      });
    });
  });

  describe('InvalidPassword', () => {
    it('is a DomainError carrying the first rule’s code and message and every violation', () => {
      let caught: unknown;
      try {
        assertPasswordAcceptable('ada2024', { username: 'ada' });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(InvalidPassword);
      expect(caught).toBeInstanceOf(DomainError);
      expect(caught).toMatchObject({
        code: 'PASSWORD.TOO_SHORT',
        message: 'Password is too short (minimum is 10 characters)',
        details: {
          attribute: 'password',
          violations: [{ code: 'PASSWORD.TOO_SHORT' }, { code: 'PASSWORD.CONTAINS_USERNAME' }],
        },
      });
    });

    it('is not thrown for an acceptable password', () => {
      expect(() => assertPasswordAcceptable('glacier-umbrella-violet-42')).not.toThrow();
    });
  });
});
