import { findDocumentProblem, isStorableText, MAX_DOCUMENT_DEPTH } from './text-safety';

describe('text safety', () => {
  it('accepts any well-formed text, emoji and non-Latin scripts included', () => {
    expect(isStorableText('Ada 😀 Ωmega 日本語 \t\n')).toBe(true);
    expect(isStorableText('')).toBe(true);
  });

  it('rejects NUL and unpaired surrogates', () => {
    expect(isStorableText('a\u0000b')).toBe(false);
    expect(isStorableText('\ud800')).toBe(false);
    expect(isStorableText('x\udc00')).toBe(false);
    expect(isStorableText('\udc00\ud800')).toBe(false);
  });

  it('finds the first bad string or key, with its JSON pointer', () => {
    expect(findDocumentProblem({ data: { attributes: { name: 'ok', list: ['fine', 'b\u0000d'] } } })).toEqual(
      {
        pointer: '/data/attributes/list/1',
        reason: 'text',
      },
    );
    expect(findDocumentProblem({ data: { 'a/\ud800': 1 } })).toEqual({
      pointer: '/data/a~1\ud800',
      reason: 'text',
    });
    expect(findDocumentProblem({ data: { ok: [1, true, null, 'x'] } })).toBeUndefined();
  });

  it('bounds nesting without recursing (a 100 000-deep document does not overflow the stack)', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findDocumentProblem(deep)?.reason).toBe('depth');
    let ok: unknown = 'x';
    for (let i = 0; i < MAX_DOCUMENT_DEPTH; i++) ok = { a: ok };
    expect(findDocumentProblem(ok)).toBeUndefined();
  });
});
