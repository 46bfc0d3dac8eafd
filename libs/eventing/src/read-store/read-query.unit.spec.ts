import { cloneJson } from './read-query';

describe('cloneJson', () => {
  const doc = {
    id: 'user-1',
    name: 'ann',
    n: 1.5,
    flag: false,
    none: null,
    tags: ['a', 'b', { nested: [1, [2]] }],
    profile: { twoFactor: { enabled: true }, empty: {}, list: [] },
  };

  it('copies JSON values deeply, as structuredClone does', () => {
    const copy = cloneJson(doc);
    expect(copy).toStrictEqual(structuredClone(doc));
    expect(JSON.stringify(copy)).toBe(JSON.stringify(doc));
    expect(copy).not.toBe(doc);
    expect(copy.tags).not.toBe(doc.tags);
    expect(copy.tags[2]).not.toBe(doc.tags[2]);
    expect(copy.profile.twoFactor).not.toBe(doc.profile.twoFactor);
    copy.profile.twoFactor.enabled = false;
    (copy.tags as unknown[]).push('c');
    expect(doc.profile.twoFactor.enabled).toBe(true);
    expect(doc.tags).toHaveLength(3);
  });

  it('returns primitives and null as they are', () => {
    expect(cloneJson('x')).toBe('x');
    expect(cloneJson(0)).toBe(0);
    expect(cloneJson(null)).toBeNull();
    expect(cloneJson(true)).toBe(true);
  });

  it('keeps an own "__proto__" key as data, never as the prototype', () => {
    const parsed = JSON.parse('{"id":"x","__proto__":{"polluted":true}}') as Record<string, unknown>;
    const copy = cloneJson(parsed);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect((copy as { polluted?: boolean }).polluted).toBeUndefined();
    expect(Object.keys(copy)).toEqual(['id', '__proto__']);
    expect(Object.getOwnPropertyDescriptor(copy, '__proto__')?.value).toEqual({ polluted: true });
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });
});
