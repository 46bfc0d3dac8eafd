import { type Branding, linkTo, MAIL_LINK_PATHS } from './branding';
import { type Block, expiryNote, renderMail, type RenderedMail } from './layout';

/** Who invited, as the mail names them: the inviting user's username, or this when an organization token invited. */
export const UNNAMED_INVITER = 'An organization administrator';

/** `${baseUrl}/invitations/<token>`: the page that accepts (existing account) or signs up (new one) with it. */
export const invitationLink = (baseUrl: string, token: string): string =>
  linkTo(baseUrl, `${MAIL_LINK_PATHS.invitation}/${encodeURIComponent(token)}`);

/**
 * Sent for `MemberInvited` (a refreshed re-invite included) to the invited address, which may or may not have an
 * account yet: ONE link serves both (the page signs in and accepts, or signs up with the token, which then counts
 * the address as confirmed). Pure; every value (organization name, inviter, address) is escaped in the HTML part.
 */
export const invitationMail = (
  branding: Branding,
  data: {
    organizationName: string;
    email: string;
    /** The inviting user's username; null when an organization token invited. */
    invitedBy: string | null;
    token: string;
    expiresAt: string;
    requestedAt?: string;
    /** A re-invite: the earlier mails' links no longer work. */
    refreshed?: boolean;
  },
): RenderedMail => {
  const inviter = data.invitedBy ?? UNNAMED_INVITER;
  const blocks: Block[] = [
    {
      kind: 'paragraph',
      text: `${inviter} invited you (${data.email}) to join the organization ${data.organizationName} on ${branding.productName}.`,
    },
    ...(data.refreshed
      ? [
          {
            kind: 'paragraph' as const,
            text: 'This invitation replaces an earlier one: the links in earlier invitation e-mails no longer work.',
          },
        ]
      : []),
    { kind: 'action', label: 'Accept the invitation', url: invitationLink(branding.baseUrl, data.token) },
    {
      kind: 'paragraph',
      text: `The link works with or without an account: sign in to accept, or create your ${branding.productName} account with this e-mail address and you join at once.`,
    },
    expiryNote('The invitation', data.expiresAt, data.requestedAt),
    {
      kind: 'note',
      text: 'If you were not expecting this invitation, ignore this message: you join nothing unless you accept.',
    },
  ];
  return renderMail(branding, {
    subject: `You have been invited to join ${data.organizationName} on ${branding.productName}`,
    greeting: 'Hello,',
    blocks,
  });
};
