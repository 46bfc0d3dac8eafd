import { JsonApiException } from '../errors/json-api-error';
import { listParam, parseFilter, parseInclude, singleParam } from './query-params';

/** What Fastify hands over for a raw query string (its parser decodes like URLSearchParams). */
const query = (qs: string) => {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(qs)) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
};

describe('multi-valued parameters', () => {
  it('split go-tfe comma-joined filters after decoding', () => {
    expect(parseFilter(query('filter%5Bemail%5D=a%40x.io%2Cb%40y.io'), 'email')).toEqual([
      'a@x.io',
      'b@y.io',
    ]);
  });

  it('trim, drop empty items and duplicates, and merge repeated parameters', () => {
    expect(listParam(query('include=user,%20teams,,user&include=organization'), 'include')).toEqual([
      'user',
      'teams',
      'organization',
    ]);
    expect(listParam(query('include='), 'include')).toEqual([]);
    expect(listParam({}, 'include')).toBeUndefined();
    expect(listParam({ include: 42 }, 'include')).toEqual([]);
  });

  it('single-valued parameters take the last occurrence', () => {
    expect(singleParam(query('q=a&q=b'), 'q')).toBe('b');
    expect(singleParam({}, 'q')).toBeUndefined();
  });
});

describe('include', () => {
  it('returns the requested names when all are allowed', () => {
    expect(parseInclude(query('include=user%2Cteams'), ['user', 'teams', 'organization'])).toEqual([
      'user',
      'teams',
    ]);
    expect(parseInclude({}, ['user'])).toEqual([]);
  });

  it('answers 400 "Invalid include parameter: <name>" per unknown name (go-tfe: ErrInvalidIncludeValue)', () => {
    let err: JsonApiException | undefined;
    try {
      parseInclude(query('include=user,users,bogus'), ['user']);
    } catch (e) {
      err = e as JsonApiException;
    }
    expect(err?.getStatus()).toBe(400);
    expect(err?.errors).toEqual([
      {
        status: '400',
        title: 'bad request',
        detail: 'Invalid include parameter: users',
        source: { parameter: 'include' },
      },
      {
        status: '400',
        title: 'bad request',
        detail: 'Invalid include parameter: bogus',
        source: { parameter: 'include' },
      },
    ]);
  });
});
