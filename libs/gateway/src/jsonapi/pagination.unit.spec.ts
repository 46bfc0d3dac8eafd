import { JsonApiException } from '../errors/json-api-error';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, pageOffset, paginate, parsePage, slicePage } from './pagination';
import type { RequestUrl } from './request-url';

const url = (query: Array<[string, string]> = []): RequestUrl => ({
  origin: 'https://tfe.example',
  path: '/api/v2/organizations/acme/organization-memberships',
  query,
});
const link = (n: number, size = 20, extra = '') =>
  `https://tfe.example/api/v2/organizations/acme/organization-memberships?${extra}page%5Bnumber%5D=${n}&page%5Bsize%5D=${size}`;

describe('parsePage', () => {
  it('defaults to page 1 of 20 and says whether the client asked', () => {
    expect(parsePage({})).toEqual({ number: 1, size: DEFAULT_PAGE_SIZE, explicit: false });
    expect(parsePage({ 'page[number]': '3' })).toEqual({ number: 3, size: 20, explicit: true });
    expect(parsePage({ 'page[size]': '5' })).toEqual({ number: 1, size: 5, explicit: true });
  });

  it('caps the size at 100 and takes the last of repeated values', () => {
    expect(parsePage({ 'page[size]': '1000' }).size).toBe(MAX_PAGE_SIZE);
    expect(parsePage({ 'page[number]': ['1', '2'] }).number).toBe(2);
  });

  it.each([
    ['page[number]', '0'],
    ['page[number]', '-1'],
    ['page[number]', '1.5'],
    ['page[number]', 'abc'],
    ['page[number]', ''],
    ['page[number]', '99999999999999999999'],
    ['page[size]', '0'],
    ['page[size]', '2e1'],
  ])('%s=%j is a 400 naming the parameter', (name, value) => {
    let err: unknown;
    try {
      parsePage({ [name]: value });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(JsonApiException);
    expect((err as JsonApiException).getStatus()).toBe(400);
    expect((err as JsonApiException).errors[0].source).toEqual({ parameter: name });
  });

  it('offsets and slices in-memory lists', () => {
    const items = Array.from({ length: 45 }, (_, i) => i);
    expect(pageOffset({ number: 3, size: 20, explicit: true })).toBe(40);
    expect(slicePage(items, { number: 3, size: 20, explicit: true })).toEqual([40, 41, 42, 43, 44]);
    expect(slicePage(items, { number: 4, size: 20, explicit: true })).toEqual([]);
  });
});

describe('paginate', () => {
  it('first of several pages', () => {
    const p = paginate({ number: 1, size: 20, explicit: false }, 45, url());
    expect(p.meta).toEqual({
      'current-page': 1,
      'page-size': 20,
      'prev-page': null,
      'next-page': 2,
      'total-pages': 3,
      'total-count': 45,
    });
    expect(p.links).toEqual({ self: link(1), first: link(1), prev: null, next: link(2), last: link(3) });
  });

  it('a middle page and the last page', () => {
    const middle = paginate({ number: 2, size: 20, explicit: true }, 45, url());
    expect([middle.meta['prev-page'], middle.meta['next-page']]).toEqual([1, 3]);
    expect(middle.links.prev).toBe(link(1));
    const last = paginate({ number: 3, size: 20, explicit: true }, 45, url());
    expect([last.meta['prev-page'], last.meta['next-page']]).toEqual([2, null]);
    expect(last.links.next).toBeNull();
  });

  it('an exact multiple of the page size has no empty extra page', () => {
    expect(paginate({ number: 2, size: 10, explicit: true }, 20, url()).meta).toMatchObject({
      'total-pages': 2,
      'next-page': null,
    });
  });

  it('an empty list is one empty page', () => {
    const p = paginate({ number: 1, size: 20, explicit: false }, 0, url());
    expect(p.meta).toMatchObject({
      'current-page': 1,
      'total-pages': 1,
      'total-count': 0,
      'prev-page': null,
      'next-page': null,
    });
    expect(p.links.last).toBe(link(1));
  });

  it('a page beyond the end echoes the page asked for, with correct totals (go-tfe asserts this)', () => {
    const p = paginate({ number: 999, size: 100, explicit: true }, 2, url());
    expect(p.meta).toEqual({
      'current-page': 999,
      'page-size': 100,
      'prev-page': null,
      'next-page': null,
      'total-pages': 1,
      'total-count': 2,
    });
    expect(p.links.self).toBe(link(999, 100));
    expect(p.links.last).toBe(link(1, 100));
  });

  it('links keep the other parameters, encoded, in a stable order', () => {
    const p = paginate(
      { number: 1, size: 20, explicit: true },
      50,
      url([
        ['q', 'ada lovelace'],
        ['filter[email]', 'a@x.io,b@y.io'],
        ['page[number]', '1'],
        ['include', 'user,teams'],
      ]),
    );
    expect(p.links.next).toBe(
      link(2, 20, 'filter%5Bemail%5D=a%40x.io%2Cb%40y.io&include=user%2Cteams&') + '&q=ada%20lovelace',
    );
  });

  it('refuses a total that cannot be right', () => {
    const page = { number: 1, size: 20, explicit: false };
    expect(() => paginate(page, -1, url())).toThrow(RangeError);
    expect(() => paginate(page, 1.5, url())).toThrow(RangeError);
  });
});
