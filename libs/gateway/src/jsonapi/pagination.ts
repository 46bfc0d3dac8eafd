import type { QueryParams } from './query-params';
import { invalidParameter, singleParam } from './query-params';
import { linkTo, type RequestUrl } from './request-url';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
// Keeps (number - 1) × size a safe integer, so offsets never lose precision.
const MAX_PAGE_NUMBER = Math.floor(Number.MAX_SAFE_INTEGER / MAX_PAGE_SIZE);

export interface PageRequest {
  /** 1-based. */
  number: number;
  size: number;
  /**
   * Whether the client sent `page[number]` or `page[size]`. `GET /organizations` and a user's token list return
   * everything, without `meta.pagination`, when neither is sent.
   */
  explicit: boolean;
}

const positiveInteger = (query: QueryParams, name: string, max: number): number | undefined => {
  const raw = singleParam(query, name);
  if (raw === undefined) return undefined;
  const text = raw.trim();
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1 || n > max)
    throw invalidParameter(
      name,
      `${name} must be a positive integer${max < Infinity ? ` up to ${max}` : ''}`,
    );
  return n;
};

/**
 * `page[number]` (default 1) and `page[size]` (default 20; above 100 it is capped at 100, as TFC does). A value
 * that is not a positive integer is a 400 naming the parameter.
 */
export const parsePage = (query: QueryParams): PageRequest => {
  const number = positiveInteger(query, 'page[number]', MAX_PAGE_NUMBER);
  const size = positiveInteger(query, 'page[size]', Number.MAX_SAFE_INTEGER);
  return {
    number: number ?? 1,
    size: Math.min(size ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
    explicit: number !== undefined || size !== undefined,
  };
};

/** Index of the first item of the page. */
export const pageOffset = (page: PageRequest): number => (page.number - 1) * page.size;

/** The items of one page of an in-memory list (`[]` beyond the end). */
export const slicePage = <T>(items: readonly T[], page: PageRequest): T[] =>
  items.slice(pageOffset(page), pageOffset(page) + page.size);

export interface PaginationMeta {
  'current-page': number;
  'page-size': number;
  'prev-page': number | null;
  'next-page': number | null;
  'total-pages': number;
  'total-count': number;
}

export interface PaginationLinks {
  self: string;
  first: string;
  prev: string | null;
  next: string | null;
  last: string;
}

export interface Pagination {
  links: PaginationLinks;
  meta: PaginationMeta;
}

/**
 * `links` and `meta.pagination` of a list page. Clients loop on `current-page < total-pages` and `next-page`, so
 * the totals must be exact: `total-pages` is at least 1 (an empty list is one empty page); a page beyond the end
 * echoes the requested `current-page` with `prev-page` and `next-page` both `null` (as Rails' kaminari, which
 * TFC's pagination keys come from, does). Links are absolute, keep
 * every other query parameter (filters, include, q) and carry both page parameters.
 */
export const paginate = (page: PageRequest, totalCount: number, url: RequestUrl): Pagination => {
  if (!Number.isSafeInteger(totalCount) || totalCount < 0)
    throw new RangeError(`total count must be a non-negative integer, got ${totalCount}`);
  const totalPages = Math.max(1, Math.ceil(totalCount / page.size));
  const outOfRange = page.number > totalPages;
  const prev = page.number > 1 && !outOfRange ? page.number - 1 : null;
  const next = page.number < totalPages ? page.number + 1 : null;
  const to = (n: number) => linkTo(url, { 'page[number]': n, 'page[size]': page.size });
  return {
    links: {
      self: to(page.number),
      first: to(1),
      prev: prev === null ? null : to(prev),
      next: next === null ? null : to(next),
      last: to(totalPages),
    },
    meta: {
      'current-page': page.number,
      'page-size': page.size,
      'prev-page': prev,
      'next-page': next,
      'total-pages': totalPages,
      'total-count': totalCount,
    },
  };
};
