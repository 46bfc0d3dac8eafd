import {
  emailChangedMail,
  emailConfirmationMail,
  passwordChangedMail,
  passwordResetMail,
} from './account-mail.templates';
import type { RenderedMail } from './layout';

const branding = { productName: 'Terraform Platform', baseUrl: 'https://tfe.example.com/' };
const evil = '<script>alert("x")</script>&\'';
const evilEscaped = '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;';

/** Every href in the HTML part, entity-decoded as a browser would. */
const hrefs = (html: string) =>
  [...html.matchAll(/href="([^"]*)"/g)].map((m) =>
    m[1]
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&'),
  );

const expectNoRawMarkup = (mail: RenderedMail) => {
  expect(mail.html).not.toContain('<script');
  expect(mail.html).not.toContain(evil);
  expect(mail.html).toContain(evilEscaped);
};

describe('account mail templates', () => {
  const all: [string, () => RenderedMail][] = [
    [
      'email confirmation',
      () => emailConfirmationMail(branding, { username: evil, email: `${evil}@example.com`, token: 't' }),
    ],
    [
      'password reset',
      () => passwordResetMail(branding, { username: evil, token: 't', expiresAt: '2025-03-01T10:00:00Z' }),
    ],
    [
      'password changed',
      () => passwordChangedMail(branding, { username: evil, changedAt: '2025-03-01T09:00:00Z' }),
    ],
    [
      'email changed',
      () =>
        emailChangedMail(branding, { username: evil, newEmail: 'x@y.z', changedAt: '2025-03-01T09:00:00Z' }),
    ],
  ];

  it.each(all)('%s: has a subject, a text part and an HTML document', (_name, render) => {
    const mail = render();
    expect(mail.subject).toContain('Terraform Platform');
    expect(mail.subject).not.toMatch(/[\r\n]/);
    expect(mail.text).toContain(`Hello ${evil},`); // text is not HTML: nothing to escape
    expect(mail.text).toMatch(/— Terraform Platform\n$/);
    expect(mail.html).toMatch(/^<!DOCTYPE html>/);
    expect(mail.html).toContain('<html lang="en">');
    expect(mail.html).toContain('<meta charset="utf-8">');
  });

  it.each(all)('%s: escapes the username everywhere in the HTML part', (_name, render) => {
    expectNoRawMarkup(render());
  });

  it('escapes the product name too', () => {
    const mail = passwordChangedMail(
      { ...branding, productName: 'Acme <b>TFE</b>' },
      { username: 'ada', changedAt: '2025-03-01T09:00:00Z' },
    );
    expect(mail.html).toContain('Acme &lt;b&gt;TFE&lt;/b&gt;');
    expect(mail.html).not.toContain('<b>');
    expect(mail.subject).toBe('Your Acme <b>TFE</b> password was changed');
  });

  describe('email confirmation', () => {
    const mail = emailConfirmationMail(branding, {
      username: 'ada',
      email: 'ada@example.com',
      token: 'abc/+=&x y',
      expiresAt: '2025-03-02T09:00:00Z',
      requestedAt: '2025-03-01T09:00:00Z',
    });
    const link = 'https://tfe.example.com/account/confirm-email?token=abc%2F%2B%3D%26x%20y';

    it('carries the confirmation link, built on the base URL with the token encoded, in both parts', () => {
      expect(mail.text).toContain(`\n${link}\n`);
      expect(hrefs(mail.html)).toEqual([link, link]);
      expect(mail.html).toContain(`>${link}</a>`);
    });

    it('names the address and the expiry', () => {
      expect(mail.subject).toBe('Confirm your e-mail address for Terraform Platform');
      expect(mail.text).toContain('ada@example.com');
      expect(mail.text).toContain('The link expires on 2025-03-02 09:00 UTC (1 day after it was sent).');
    });
  });

  describe('password reset', () => {
    const mail = passwordResetMail(
      { productName: 'TFE', baseUrl: 'https://example.com/tfe' },
      {
        username: 'ada',
        token: 'R3set',
        expiresAt: '2025-03-01T10:00:00.000Z',
        requestedAt: '2025-03-01T09:00:00Z',
      },
    );
    const link = 'https://example.com/tfe/account/reset-password?token=R3set';

    it('carries the reset link (under a base path) in both parts, exactly', () => {
      expect(mail.text.split('\n')).toContain(link);
      expect(hrefs(mail.html)).toEqual([link, link]);
    });

    it('says when the link expires', () => {
      expect(mail.text).toContain('The link expires on 2025-03-01 10:00 UTC (1 hour after it was sent).');
      expect(mail.html).toContain('The link expires on 2025-03-01 10:00 UTC (1 hour after it was sent).');
    });

    it('tells the reader what to do if they did not ask', () => {
      expect(mail.text).toContain("If you didn't ask for this, ignore this message");
    });
  });

  describe('password changed', () => {
    const mail = passwordChangedMail(branding, { username: 'ada', changedAt: '2025-03-01T09:05:59Z' });

    it('says when, and what to do if it was not the reader', () => {
      expect(mail.text).toContain('was changed on 2025-03-01 09:05 UTC.');
      expect(mail.text).toContain("If this wasn't you");
      expect(mail.html).toContain('If this wasn&#39;t you');
      expect(mail.text).toContain('https://tfe.example.com/account/forgot-password');
      expect(hrefs(mail.html)).toEqual([
        'https://tfe.example.com/account/forgot-password',
        'https://tfe.example.com/account/forgot-password',
      ]);
    });
  });

  describe('email changed (sent to the old address)', () => {
    const mail = emailChangedMail(branding, {
      username: 'ada',
      newEmail: 'grace.hopper@navy.example.mil',
      changedAt: '2025-03-01T09:00:00Z',
    });

    it('mentions the new address masked, never whole', () => {
      expect(mail.text).toContain('was changed to g***@n***.mil on 2025-03-01 09:00 UTC.');
      expect(mail.html).toContain('g***@n***.mil');
      expect(mail.text).not.toContain('grace');
      expect(mail.html).not.toContain('grace');
      expect(mail.html).not.toContain('navy');
    });

    it("guides the reader if it wasn't them, without a reset link that would go to the new address", () => {
      expect(mail.text).toContain("If this wasn't you");
      expect(mail.text).toContain('tell your administrator');
      expect(hrefs(mail.html)).toEqual([]);
    });
  });

  it('refuses a base URL that is not http(s)', () => {
    expect(() =>
      passwordChangedMail(
        { ...branding, baseUrl: 'javascript:alert(1)' },
        { username: 'a', changedAt: '2025-03-01T09:00:00Z' },
      ),
    ).toThrow(/http/);
    expect(() =>
      passwordChangedMail(
        { ...branding, baseUrl: 'nope' },
        { username: 'a', changedAt: '2025-03-01T09:00:00Z' },
      ),
    ).toThrow(/not a URL/);
  });

  it('is a pure function of its input', () => {
    const render = () =>
      passwordResetMail(branding, { username: 'ada', token: 't', expiresAt: '2025-03-01T10:00:00Z' });
    expect(render()).toEqual(render());
  });
});
