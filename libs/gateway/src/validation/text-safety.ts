import { escapePointer } from '../errors/json-api-error';

/** Deepest nesting accepted in a request document; keeps every recursive step after parsing bounded. */
export const MAX_DOCUMENT_DEPTH = 32;

// An unpaired UTF-16 surrogate: JSON.parse accepts `"\ud800"`, PostgreSQL's JSON types reject it.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Whether a string can be stored everywhere the platform stores text: no NUL (PostgreSQL text and JSONB reject
 * `\u0000`) and no unpaired surrogate. Rejecting both at the edge keeps a stray byte from becoming a 500 deep in
 * a service.
 */
export const isStorableText = (value: string): boolean =>
  !value.includes('\u0000') && !LONE_SURROGATE.test(value);

export type DocumentProblem = { pointer: string; reason: 'text' | 'depth' };

/**
 * The first problem in a parsed JSON document, walked iteratively (no recursion, whatever the input):
 * a string or key that is not storable text, or nesting deeper than `MAX_DOCUMENT_DEPTH`.
 */
export const findDocumentProblem = (root: unknown): DocumentProblem | undefined => {
  const stack: Array<{ value: unknown; pointer: string; depth: number }> = [
    { value: root, pointer: '', depth: 0 },
  ];
  while (stack.length > 0) {
    const { value, pointer, depth } = stack.pop()!;
    if (typeof value === 'string') {
      if (!isStorableText(value)) return { pointer, reason: 'text' };
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_DOCUMENT_DEPTH) return { pointer, reason: 'depth' };
    if (Array.isArray(value)) {
      value.forEach((v, i) => stack.push({ value: v, pointer: `${pointer}/${i}`, depth: depth + 1 }));
      continue;
    }
    for (const [key, v] of Object.entries(value)) {
      const at = `${pointer}/${escapePointer(key)}`;
      if (!isStorableText(key)) return { pointer: at, reason: 'text' };
      stack.push({ value: v, pointer: at, depth: depth + 1 });
    }
  }
  return undefined;
};
