import { invitationLink, invitationMail, UNNAMED_INVITER } from './invitation-mail.templates';

const branding = { productName: 'Terraform Platform', baseUrl: 'https://tfe.example.com/' };
const token = 'org-Acme1234567899.S3cr3t_-token';
const data = {
  organizationName: 'acme',
  email: 'bob@example.com',
  invitedBy: 'alice',
  token,
  expiresAt: '2025-03-08T09:00:00Z',
  requestedAt: '2025-03-01T09:00:00Z',
};
const evil = '<script>alert("x")</script>&\'';
const evilEscaped = '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;';

/** Every href in the HTML part, entity-decoded as a browser would. */
const hrefs = (html: string) =>
  [...html.matchAll(/href="([^"]*)"/g)].map((m) =>
    m[1]!
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&'),
  );

describe('invitation mail', () => {
  const mail = invitationMail(branding, data);
  const link = 'https://tfe.example.com/invitations/org-Acme1234567899.S3cr3t_-token';

  it('invites to the organization, naming who invited, in the subject and both parts', () => {
    expect(mail.subject).toBe('You have been invited to join acme on Terraform Platform');
    expect(mail.subject).not.toMatch(/[\r\n]/);
    expect(mail.text).toContain(
      'alice invited you (bob@example.com) to join the organization acme on Terraform Platform.',
    );
    expect(mail.html).toContain('alice invited you (bob@example.com) to join the organization acme');
    expect(mail.text).toMatch(/^Hello,\n/);
    expect(mail.text).toMatch(/— Terraform Platform\n$/);
    expect(mail.html).toMatch(/^<!DOCTYPE html>/);
  });

  it('carries ONE link, for an existing account and for a sign-up alike, built on the base URL', () => {
    expect(mail.text.split('\n')).toContain(link);
    expect(mail.text.match(/https:\/\//g)).toHaveLength(1);
    expect(hrefs(mail.html)).toEqual([link, link]); // the button and its copyable text
    expect(mail.text).toContain(
      'sign in to accept, or create your Terraform Platform account with this e-mail',
    );
  });

  it('encodes a token that would not be safe in a path', () => {
    expect(invitationLink('https://example.com/tfe', 'org-A.a/b?c#d')).toBe(
      'https://example.com/tfe/invitations/org-A.a%2Fb%3Fc%23d',
    );
  });

  it('says when the invitation expires', () => {
    expect(mail.text).toContain('The invitation expires on 2025-03-08 09:00 UTC (7 days after it was sent).');
    expect(invitationMail(branding, { ...data, requestedAt: undefined }).text).toContain(
      'The invitation expires on 2025-03-08 09:00 UTC.',
    );
  });

  it(`names "${UNNAMED_INVITER}" when an organization token invited`, () => {
    const byToken = invitationMail(branding, { ...data, invitedBy: null });
    expect(byToken.text).toContain(`${UNNAMED_INVITER} invited you (bob@example.com)`);
    expect(byToken.text).not.toContain('null');
  });

  it('tells a re-invited reader that earlier links no longer work, and only then', () => {
    expect(mail.text).not.toContain('replaces an earlier one');
    expect(invitationMail(branding, { ...data, refreshed: true }).text).toContain(
      'This invitation replaces an earlier one: the links in earlier invitation e-mails no longer work.',
    );
  });

  it('tells a reader who did not expect it that ignoring it is safe', () => {
    expect(mail.text).toContain('If you were not expecting this invitation, ignore this message');
  });

  it('escapes the organization name, the inviter and the address in the HTML part', () => {
    const hostile = invitationMail(branding, {
      ...data,
      organizationName: evil,
      invitedBy: evil,
      email: `${evil}@example.com`,
    });
    expect(hostile.html).not.toContain('<script');
    expect(hostile.html).toContain(evilEscaped);
    expect(hostile.text).toContain(evil); // text is not HTML: nothing to escape
  });

  it('is a pure function of its input', () => {
    expect(invitationMail(branding, data)).toEqual(invitationMail(branding, data));
  });
});
