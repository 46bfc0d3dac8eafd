import { type Branding, formatDuration, formatUtc } from './branding';
import { safeHtml, type SafeHtml } from './html';

/** One piece of a mail's content, rendered to both parts, so the text and HTML parts always say the same. */
export type Block =
  | { kind: 'paragraph'; text: string }
  | { kind: 'action'; label: string; url: string }
  | { kind: 'note'; text: string };

/** A mail's content, ready for `OutgoingMail` (which adds recipient and idempotency key). */
export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

const BODY =
  'margin:0;padding:24px;background:#f5f5f7;color:#1f2937;font-size:15px;line-height:1.5;' +
  'font-family:-apple-system,BlinkMacSystemFont,Segoe UI,Helvetica,Arial,sans-serif';
const BUTTON =
  'background:#5c4ee5;color:#ffffff;padding:10px 18px;border-radius:4px;text-decoration:none;display:inline-block';

const textBlock = (block: Block): string => {
  switch (block.kind) {
    case 'paragraph':
    case 'note':
      return block.text;
    case 'action':
      return `${block.label}:\n${block.url}`;
  }
};

const htmlBlock = (block: Block): SafeHtml => {
  switch (block.kind) {
    case 'paragraph':
      return safeHtml`<p style="margin:0 0 16px">${block.text}</p>`;
    case 'note':
      return safeHtml`<p style="margin:0 0 16px;color:#6b7280;font-size:13px">${block.text}</p>`;
    case 'action':
      return safeHtml`<p style="margin:24px 0"><a href="${block.url}" style="${BUTTON}">${block.label}</a></p>
<p style="margin:0 0 16px;color:#6b7280;font-size:13px">If the button does not work, copy this link into your browser:<br><a href="${block.url}" style="color:#5c4ee5;word-break:break-all">${block.url}</a></p>`;
  }
};

/** Lays blocks out as a plain-text part and an HTML part, with greeting and signature. */
export const renderMail = (
  branding: Branding,
  mail: { subject: string; greeting: string; blocks: Block[] },
): RenderedMail => {
  const signature = `— ${branding.productName}`;
  const text = [mail.greeting, ...mail.blocks.map(textBlock), signature].join('\n\n') + '\n';
  const body = safeHtml`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${mail.subject}</title>
</head>
<body style="${BODY}">
<div style="max-width:560px;margin:0 auto;background:#ffffff;border-radius:6px;padding:32px">
<p style="margin:0 0 16px">${mail.greeting}</p>
${mail.blocks.map((block) => safeHtml`${htmlBlock(block)}\n`)}
<p style="margin:24px 0 0">${signature}</p>
</div>
</body>
</html>
`;
  return { subject: mail.subject, text, html: body.value };
};

/** `<what> expires on 2025-03-02 09:00 UTC (1 day after it was sent).`, the duration only when `requestedAt` is known. */
export const expiryNote = (what: string, expiresAt: string, requestedAt?: string): Block => {
  const within = requestedAt
    ? ` (${formatDuration(new Date(expiresAt).getTime() - new Date(requestedAt).getTime())} after it was sent)`
    : '';
  return { kind: 'note', text: `${what} expires on ${formatUtc(expiresAt)}${within}.` };
};
