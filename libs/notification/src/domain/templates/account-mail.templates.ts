import { type Branding, formatUtc, linkTo, MAIL_LINK_PATHS, maskEmail } from './branding';
import { type Block, expiryNote, renderMail, type RenderedMail } from './layout';

/*
 * The mails the identity events trigger. Pure functions of their input: no clock, no configuration lookup.
 * Every value a user controls (username, addresses) goes through the layout's escaping into the HTML part.
 */

const ifThisWasntYou = (branding: Branding): Block[] => [
  {
    kind: 'paragraph',
    text: "If this wasn't you, someone else may have access to your account. Reset your password now, then review your API tokens and active sessions, and tell your administrator.",
  },
  {
    kind: 'action',
    label: 'Reset your password',
    url: linkTo(branding.baseUrl, MAIL_LINK_PATHS.forgotPassword),
  },
];

/** Sent when an account is registered or its address changes: proves the reader owns the address. */
export const emailConfirmationMail = (
  branding: Branding,
  data: { username: string; email: string; token: string; expiresAt?: string; requestedAt?: string },
): RenderedMail =>
  renderMail(branding, {
    subject: `Confirm your e-mail address for ${branding.productName}`,
    greeting: `Hello ${data.username},`,
    blocks: [
      {
        kind: 'paragraph',
        text: `Please confirm that ${data.email} is the e-mail address of your ${branding.productName} account ${data.username}.`,
      },
      {
        kind: 'action',
        label: 'Confirm e-mail address',
        url: linkTo(branding.baseUrl, MAIL_LINK_PATHS.confirmEmail, { token: data.token }),
      },
      ...(data.expiresAt ? [expiryNote('The link', data.expiresAt, data.requestedAt)] : []),
      {
        kind: 'note',
        text: `If you did not create or change a ${branding.productName} account, ignore this message; nothing changes until the link is opened.`,
      },
    ],
  });

/** Sent when a password reset is requested; the link is the only way in, so it carries an expiry. */
export const passwordResetMail = (
  branding: Branding,
  data: { username: string; token: string; expiresAt: string; requestedAt?: string },
): RenderedMail =>
  renderMail(branding, {
    subject: `Reset your ${branding.productName} password`,
    greeting: `Hello ${data.username},`,
    blocks: [
      {
        kind: 'paragraph',
        text: `Someone asked to reset the password of your ${branding.productName} account ${data.username}.`,
      },
      {
        kind: 'action',
        label: 'Choose a new password',
        url: linkTo(branding.baseUrl, MAIL_LINK_PATHS.resetPassword, { token: data.token }),
      },
      expiryNote('The link', data.expiresAt, data.requestedAt),
      {
        kind: 'note',
        text: "If you didn't ask for this, ignore this message: your password stays as it is.",
      },
    ],
  });

/** Sent after any password change or reset, so an owner notices a change they did not make. */
export const passwordChangedMail = (
  branding: Branding,
  data: { username: string; changedAt: string },
): RenderedMail =>
  renderMail(branding, {
    subject: `Your ${branding.productName} password was changed`,
    greeting: `Hello ${data.username},`,
    blocks: [
      {
        kind: 'paragraph',
        text: `The password of your ${branding.productName} account ${data.username} was changed on ${formatUtc(data.changedAt)}.`,
      },
      { kind: 'paragraph', text: 'If you made this change, there is nothing more to do.' },
      ...ifThisWasntYou(branding),
    ],
  });

/**
 * Sent to the previous address when the address changes: the old owner is the one who must hear of it. The new
 * address is masked, since the old one may no longer belong to the account holder.
 */
export const emailChangedMail = (
  branding: Branding,
  data: { username: string; newEmail: string; changedAt: string },
): RenderedMail =>
  renderMail(branding, {
    subject: `Your ${branding.productName} e-mail address was changed`,
    greeting: `Hello ${data.username},`,
    blocks: [
      {
        kind: 'paragraph',
        text: `The e-mail address of your ${branding.productName} account ${data.username} was changed to ${maskEmail(data.newEmail)} on ${formatUtc(data.changedAt)}. Messages about the account now go to that address, not to this one.`,
      },
      { kind: 'paragraph', text: 'If you made this change, there is nothing more to do.' },
      {
        kind: 'paragraph',
        // A password reset would now mail the new address, so this mail cannot offer one.
        text: "If this wasn't you, someone else may control your account. If you can still sign in, change your password and set your e-mail address back; either way, tell your administrator right away.",
      },
    ],
  });
