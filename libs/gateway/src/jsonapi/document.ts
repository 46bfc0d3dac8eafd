import { kebabCase } from './keys';
import type { Pagination } from './pagination';
import type { ResourceObject } from './resource';

export interface DocumentLinks {
  self?: string;
  first?: string;
  prev?: string | null;
  next?: string | null;
  last?: string;
  [name: string]: string | null | undefined;
}

export interface SingleDocument<R extends ResourceObject = ResourceObject> {
  data: R | null;
  included?: ResourceObject[];
  links?: DocumentLinks;
  meta?: Record<string, unknown>;
}

export interface ListDocument<R extends ResourceObject = ResourceObject> {
  /** Always an array (go-tfe fails on `{}` or a missing `data` for a list). */
  data: R[];
  included?: ResourceObject[];
  links?: DocumentLinks;
  meta?: Record<string, unknown>;
}

export interface DocumentOptions {
  /**
   * Side-loaded resources (from `include`). Present in the document whenever given, even empty; duplicates and
   * resources already in `data` are dropped (a compound document holds each `type,id` once).
   */
  included?: readonly ResourceObject[];
  links?: DocumentLinks;
  meta?: Record<string, unknown>;
}

export interface ListDocumentOptions extends DocumentOptions {
  /** From `paginate()`: sets `links` and `meta.pagination`. Omit for an unpaginated list. */
  pagination?: Pagination;
  /** `meta.status-counts` (e.g. `{ total, active, invited }`); keys go on the wire in kebab-case. */
  statusCounts?: Record<string, number>;
}

const key = (r: { type: string; id: string }) => `${r.type}\u0000${r.id}`;

/** `included` without duplicates (first occurrence wins) and without anything already in primary `data`. */
export const dedupeIncluded = (
  primary: readonly ResourceObject[],
  included: readonly ResourceObject[],
): ResourceObject[] => {
  const seen = new Set(primary.map(key));
  const out: ResourceObject[] = [];
  for (const r of included) {
    const k = key(r);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(r);
  }
  return out;
};

/** A document whose primary data is one resource (or `null`). */
export const singleDocument = <R extends ResourceObject>(
  data: R | null,
  options: DocumentOptions = {},
): SingleDocument<R> => {
  const doc: SingleDocument<R> = { data };
  if (options.included) doc.included = dedupeIncluded(data ? [data] : [], options.included);
  if (options.links) doc.links = options.links;
  if (options.meta) doc.meta = options.meta;
  return doc;
};

/** A document whose primary data is a list, with pagination and status counts when given. */
export const listDocument = <R extends ResourceObject>(
  data: readonly R[],
  options: ListDocumentOptions = {},
): ListDocument<R> => {
  const doc: ListDocument<R> = { data: [...data] };
  if (options.included) doc.included = dedupeIncluded(data, options.included);
  const links = { ...options.pagination?.links, ...options.links };
  if (Object.keys(links).length > 0) doc.links = links;
  const meta: Record<string, unknown> = { ...options.meta };
  if (options.pagination) meta.pagination = options.pagination.meta;
  if (options.statusCounts)
    meta['status-counts'] = Object.fromEntries(
      Object.entries(options.statusCounts).map(([name, count]) => [kebabCase(name), count]),
    );
  if (Object.keys(meta).length > 0) doc.meta = meta;
  return doc;
};
