import type { Position } from '../event-store/event';
import { InvalidReadQuery } from './read-store.errors';
import type { Condition, Filter, Query, ReadDocument, ReadModel, Scalar, Search } from './read-store.port';

/*
 * Semantics shared by every ReadStore adapter: validation, normalisation, and the reference matcher and
 * ordering the in-memory adapter executes (the Mongo adapter translates the same compiled query).
 */

const MODEL_NAME = /^[a-z][a-z0-9_-]{0,62}$/;
const FIELD_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

export interface CompiledCondition {
  path: string;
  /** Equality is `$in` with one value. */
  values: Scalar[];
}
export interface CompiledSearch {
  fields: string[];
  /** Normalised with `foldForSearch`. */
  text: string;
  prefix: boolean;
}
export interface CompiledFilter {
  conditions: CompiledCondition[];
  searches: CompiledSearch[];
}
export interface CompiledQuery extends CompiledFilter {
  /** Always ends with `['id', 1]` so pages are stable. */
  sort: Array<[path: string, direction: 1 | -1]>;
  skip: number;
  limit: number | undefined;
}

export const assertFieldPath = (path: string, what = 'field'): string => {
  if (typeof path !== 'string' || !FIELD_PATH.test(path))
    throw new InvalidReadQuery(`invalid ${what} "${String(path)}"`);
  return path;
};

export const validateModel = (model: ReadModel<ReadDocument>): void => {
  if (!MODEL_NAME.test(model.name)) throw new InvalidReadQuery(`invalid read model name "${model.name}"`);
  for (const index of model.indexes ?? []) {
    const fields = Object.entries(index);
    if (fields.length === 0) throw new InvalidReadQuery(`${model.name}: empty index`);
    for (const [field, dir] of fields) {
      assertFieldPath(field, `index field of ${model.name}`);
      if (dir !== 1 && dir !== -1)
        throw new InvalidReadQuery(`${model.name}: index direction of ${field} must be 1 or -1`);
    }
  }
  for (const field of model.searchable ?? []) {
    assertFieldPath(field, `searchable field of ${model.name}`);
    if (field.includes('.'))
      throw new InvalidReadQuery(`${model.name}: searchable fields must be top-level (${field})`);
  }
};

export const assertPosition = (position: Position): void => {
  if (typeof position !== 'bigint' || position < 0n)
    throw new InvalidReadQuery(`position must be a non-negative bigint, got ${String(position)}`);
};

/**
 * The one case folding of search: Unicode compatibility normalisation (full-width letters, ligatures) then
 * lower case, done in JavaScript so MongoDB, FerretDB and memory agree byte for byte.
 */
export const foldForSearch = (text: string): string => text.normalize('NFKC').toLowerCase();

const isScalar = (v: unknown): v is Scalar =>
  v === null ||
  typeof v === 'string' ||
  typeof v === 'boolean' ||
  (typeof v === 'number' && Number.isFinite(v));

const compileCondition = (path: string, condition: Condition | undefined): CompiledCondition => {
  assertFieldPath(path);
  if (isScalar(condition)) return { path, values: [condition] };
  if (condition && typeof condition === 'object' && '$in' in condition && Array.isArray(condition.$in)) {
    if (!condition.$in.every(isScalar)) throw new InvalidReadQuery(`$in on ${path} takes scalars only`);
    return { path, values: [...condition.$in] };
  }
  throw new InvalidReadQuery(`condition on ${path} must be a scalar or { $in: [...] }`);
};

const compileSearch = (model: ReadModel<ReadDocument>, search: Search): CompiledSearch | undefined => {
  if (typeof search?.text !== 'string') throw new InvalidReadQuery('search text must be a string');
  const fields = [...(search.fields ?? [])];
  if (fields.length === 0) throw new InvalidReadQuery('search needs at least one field');
  for (const f of fields)
    if (!model.searchable?.includes(f)) throw new InvalidReadQuery(`${model.name}: "${f}" is not searchable`);
  if (search.mode !== undefined && search.mode !== 'contains' && search.mode !== 'prefix')
    throw new InvalidReadQuery(`invalid search mode ${String(search.mode)}`);
  const text = foldForSearch(search.text.trim());
  return text ? { fields, text, prefix: search.mode === 'prefix' } : undefined;
};

export const compileFilter = (model: ReadModel<ReadDocument>, filter: Filter = {}): CompiledFilter => {
  const conditions = Object.entries(filter.where ?? {}).map(([path, c]) =>
    compileCondition(path, c as Condition),
  );
  const searchList: readonly Search[] =
    filter.search === undefined
      ? []
      : Array.isArray(filter.search)
        ? filter.search
        : [filter.search as Search];
  const searches = searchList.map((s) => compileSearch(model, s)).filter((s): s is CompiledSearch => !!s);
  return { conditions, searches };
};

const nonNegativeInt = (value: number | undefined, what: string): number | undefined => {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value < 0)
    throw new InvalidReadQuery(`${what} must be a non-negative integer`);
  return value;
};

export const compileQuery = (model: ReadModel<ReadDocument>, query: Query = {}): CompiledQuery => {
  const sort: CompiledQuery['sort'] = [];
  for (const entry of query.sort ?? []) {
    const [path, direction] = entry;
    assertFieldPath(path, 'sort field');
    if (direction !== 'asc' && direction !== 'desc')
      throw new InvalidReadQuery(`sort direction must be asc or desc`);
    if (path === 'id') {
      sort.push(['id', direction === 'asc' ? 1 : -1]);
      break; // ids are unique: anything after them can never decide an order
    }
    sort.push([path, direction === 'asc' ? 1 : -1]);
  }
  if (sort.at(-1)?.[0] !== 'id') sort.push(['id', 1]);
  return {
    ...compileFilter(model, query),
    sort,
    skip: nonNegativeInt(query.skip, 'skip') ?? 0,
    limit: nonNegativeInt(query.limit, 'limit'),
  };
};

/**
 * A JSON copy of a document, refusing what JSON or MongoDB cannot hold identically: non-JSON values, keys
 * starting with `$` or containing `.` or NUL (operators / paths on MongoDB). Undefined properties vanish.
 */
export const toStoredDocument = <T extends ReadDocument>(
  model: ReadModel<T>,
  doc: unknown,
  expectedId?: string,
): T => {
  let json: string | undefined;
  try {
    json = JSON.stringify(doc, (key, value) => {
      if (key && (key.startsWith('$') || key.includes('.') || key.includes('\0')))
        throw new InvalidReadQuery(`${model.name}: invalid field name "${key}"`);
      if (typeof value === 'number' && !Number.isFinite(value))
        throw new InvalidReadQuery(`${model.name}: ${key} is not a finite number`);
      return value;
    });
  } catch (err) {
    if (err instanceof InvalidReadQuery) throw err;
    throw new InvalidReadQuery(`${model.name}: document is not JSON: ${(err as Error).message}`);
  }
  const copy = json === undefined ? undefined : JSON.parse(json);
  if (!copy || typeof copy !== 'object' || Array.isArray(copy))
    throw new InvalidReadQuery(`${model.name}: document must be an object`);
  if (typeof copy.id !== 'string' || copy.id.length === 0)
    throw new InvalidReadQuery(`${model.name}: document needs a string id`);
  if (expectedId !== undefined && copy.id !== expectedId)
    throw new InvalidReadQuery(`${model.name}: document id changed from ${expectedId} to ${copy.id}`);
  return copy as T;
};

/** JSON copy of a patch; `id` cannot be changed by a patch. */
export const toStoredChanges = (model: ReadModel<ReadDocument>, changes: object): Record<string, unknown> => {
  if (!changes || typeof changes !== 'object' || Array.isArray(changes))
    throw new InvalidReadQuery(`${model.name}: changes must be an object`);
  if ('id' in changes) throw new InvalidReadQuery(`${model.name}: a patch cannot change the id`);
  const copy = toStoredDocument(model, { ...changes, id: '-' }) as unknown as Record<string, unknown>;
  delete copy.id;
  return copy;
};

/**
 * A deep copy of a stored document (or part of one): JSON values only, as `toStoredDocument` leaves them. Same result
 * as `structuredClone` on such values, several times faster on small documents (no serialisation round trip). An own
 * `__proto__` key (which `JSON.parse` can produce) stays an own property, never a prototype.
 */
export const cloneJson = <V>(value: V): V => {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(cloneJson) as V;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = cloneJson((value as Record<string, unknown>)[key]);
    if (key === '__proto__')
      Object.defineProperty(copy, key, { value: v, enumerable: true, writable: true, configurable: true });
    else copy[key] = v;
  }
  return copy as V;
};

export type Shadow = Record<string, string | string[]>;

/** Folded copies of the searchable fields of `doc` (missing or non-string fields are left out). */
export const searchShadow = (model: ReadModel<ReadDocument>, doc: Record<string, unknown>): Shadow => {
  const shadow: Shadow = {};
  for (const field of model.searchable ?? []) {
    const value = doc[field];
    if (typeof value === 'string') shadow[field] = foldForSearch(value);
    else if (Array.isArray(value)) {
      const strings = value.filter((v): v is string => typeof v === 'string').map(foldForSearch);
      if (strings.length) shadow[field] = strings;
    }
  }
  return shadow;
};

export const getPath = (doc: unknown, path: string): unknown => {
  let value: unknown = doc;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
};

const conditionMatches = (value: unknown, values: Scalar[]): boolean => {
  const candidates = Array.isArray(value) ? value : [value ?? null];
  return candidates.some((c) => values.some((v) => (v === null ? c === null || c === undefined : c === v)));
};

const searchMatches = (shadow: Shadow, search: CompiledSearch): boolean =>
  search.fields.some((f) => {
    const v = shadow[f];
    const one = (s: string) => (search.prefix ? s.startsWith(search.text) : s.includes(search.text));
    return typeof v === 'string' ? one(v) : Array.isArray(v) && v.some(one);
  });

/** Reference semantics of a filter (the in-memory adapter runs it; the contract suite pins Mongo to it). */
export const matches = (doc: Record<string, unknown>, shadow: Shadow, filter: CompiledFilter): boolean =>
  filter.conditions.every((c) => conditionMatches(getPath(doc, c.path), c.values)) &&
  filter.searches.every((s) => searchMatches(shadow, s));

/** BSON's cross-type order, restricted to JSON values. */
const typeRank = (v: unknown): number => {
  if (v === null || v === undefined) return 1;
  if (typeof v === 'number') return 2;
  if (typeof v === 'string') return 3;
  if (Array.isArray(v)) return 5;
  if (typeof v === 'object') return 4;
  return 8; // boolean
};

/**
 * MongoDB compares strings by UTF-8 bytes, which is Unicode code point order; JavaScript's `<` compares
 * UTF-16 code units, which puts astral characters (emoji) before U+E000–U+FFFF. Remap so they agree.
 */
const codePointUnit = (c: number) => (c >= 0xd800 && c <= 0xdfff ? c + 0x2000 : c >= 0xe000 ? c - 0x800 : c);

export const compareStrings = (a: string, b: string): number => {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointUnit(x) - codePointUnit(y);
  }
  return a.length - b.length;
};

export const compareValues = (a: unknown, b: unknown): number => {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return 0;
};

export const compareBy =
  (sort: CompiledQuery['sort']) =>
  (a: Record<string, unknown>, b: Record<string, unknown>): number => {
    for (const [path, dir] of sort) {
      const c = compareValues(getPath(a, path), getPath(b, path));
      if (c !== 0) return c * dir;
    }
    return 0;
  };

/** Key of a `countBy` group, or undefined for values that are not counted. */
export const groupKey = (value: unknown): string | undefined =>
  typeof value === 'string' ||
  typeof value === 'boolean' ||
  (typeof value === 'number' && Number.isFinite(value))
    ? String(value)
    : undefined;
