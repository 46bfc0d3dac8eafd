import { formatDuration, formatUtc, linkTo, maskEmail } from './branding';
import { escapeHtml, safeHtml, SafeHtml } from './html';

describe('html', () => {
  it('escapes every interpolated value, and only those', () => {
    const name = `<img src=x onerror="alert('1')">&`;
    expect(safeHtml`<p title="${name}">${name}</p>`.value).toBe(
      '<p title="&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;">&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;</p>',
    );
  });

  it('embeds SafeHtml as is, joins arrays, drops empty values', () => {
    const items = ['<a>', 'b'].map((x) => safeHtml`<li>${x}</li>`);
    expect(safeHtml`<ul>${items}</ul>${null}${undefined}${false}${0}`.value).toBe(
      '<ul><li>&lt;a&gt;</li><li>b</li></ul>0',
    );
    expect(safeHtml`${new SafeHtml('<br>')}`.value).toBe('<br>');
  });

  it('escapeHtml covers the five characters', () => {
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
  });
});

describe('linkTo', () => {
  it('joins base URL and path, keeping a base path and dropping trailing slashes', () => {
    expect(linkTo('https://tfe.example.com', '/a')).toBe('https://tfe.example.com/a');
    expect(linkTo('https://tfe.example.com///', '/a')).toBe('https://tfe.example.com/a');
    expect(linkTo('http://localhost:3000/tfe/', '/a', { token: 'x&y=z' })).toBe(
      'http://localhost:3000/tfe/a?token=x%26y%3Dz',
    );
  });

  it('ignores a query or fragment on the base URL', () => {
    expect(linkTo('https://tfe.example.com/?evil=1#frag', '/a')).toBe('https://tfe.example.com/a');
  });
});

describe('maskEmail', () => {
  it.each([
    ['ada.lovelace@example.com', 'a***@e***.com'],
    ['a@b.co.uk', 'a***@b***.uk'],
    ['x@localhost', 'x***@l***'],
    ['élodie@exemple.fr', 'é***@e***.fr'],
    ['nonsense', '***'],
    ['@example.com', '***'],
  ])('%s → %s', (email, masked) => expect(maskEmail(email)).toBe(masked));
});

describe('formatting', () => {
  it('formats instants in UTC, to the minute', () => {
    expect(formatUtc('2025-03-01T23:59:59+02:00')).toBe('2025-03-01 21:59 UTC');
    expect(() => formatUtc('soon')).toThrow(/not a time/);
  });

  it.each([
    [30_000, '1 minute'],
    [45 * 60_000, '45 minutes'],
    [60 * 60_000, '1 hour'],
    [90 * 60_000, '90 minutes'],
    [150 * 60_000, '3 hours'],
    [24 * 3_600_000, '1 day'],
    [36 * 3_600_000, '36 hours'],
    [72 * 3_600_000, '3 days'],
    [100 * 3_600_000, '4 days'],
  ])('%d ms reads %s', (ms, words) => expect(formatDuration(ms)).toBe(words));
});
