/**
 * HTML that is safe to embed as is: built only by `safeHtml` below, which escapes every interpolated value that is
 * not itself `SafeHtml`. Templates never concatenate strings into markup, so escaping cannot be forgotten.
 */
export class SafeHtml {
  constructor(readonly value: string) {}

  toString(): string {
    return this.value;
  }
}

export type HtmlValue = SafeHtml | string | number | null | undefined | false | readonly HtmlValue[];

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for element content and for quoted attribute values alike. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (ch) => ENTITIES[ch]);

const render = (value: HtmlValue): string => {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
};

/** Tagged template: the literal parts are trusted markup, every `${value}` is escaped (arrays joined). */
// Not named `html`: Prettier would reformat templates with that tag as HTML and change the output.
export const safeHtml = (strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml =>
  new SafeHtml(
    strings.reduce((out, literal, i) => out + literal + (i < values.length ? render(values[i]) : ''), ''),
  );
