import { badRequest, JsonApiException } from '../errors/json-api-error';

/** A parsed query string as Fastify gives it: bracketed names kept verbatim, repeated names as arrays. */
export type QueryParams = Record<string, unknown>;

const values = (raw: unknown): string[] => {
  if (raw === undefined || raw === null) return [];
  if (Array.isArray(raw)) return raw.flatMap(values);
  return typeof raw === 'string' ? [raw] : [];
};

/**
 * A multi-valued parameter: go-tfe sends `include` and every `filter[...]` as ONE comma-joined value (the comma
 * itself escaped), e.g. `filter%5Bemail%5D=a%40x.io%2Cb%40y.io`. Values are split on commas after decoding,
 * trimmed, emptied ones dropped and duplicates removed (order kept). A repeated parameter adds its values.
 * `undefined` when the parameter is absent.
 */
export const listParam = (query: QueryParams, name: string): string[] | undefined => {
  if (!(name in query) || query[name] === undefined) return undefined;
  const out: string[] = [];
  for (const value of values(query[name]))
    for (const part of value.split(',')) {
      const item = part.trim();
      if (item && !out.includes(item)) out.push(item);
    }
  return out;
};

/** `filter[<name>]` as a list (see `listParam`); nested filters are written `organization][name`-style by name. */
export const parseFilter = (query: QueryParams, name: string): string[] | undefined =>
  listParam(query, `filter[${name}]`);

/** A single-valued parameter (the last occurrence when repeated), `undefined` when absent. */
export const singleParam = (query: QueryParams, name: string): string | undefined => {
  const all = values(query[name]);
  return all.length > 0 ? all[all.length - 1] : undefined;
};

/**
 * `include` validated against what the endpoint can side-load. An unknown name is a 400 whose detail contains
 * `include parameter` (go-tfe maps exactly that to `ErrInvalidIncludeValue`): one error object per unknown name.
 */
export const parseInclude = (query: QueryParams, allowed: readonly string[]): string[] => {
  const requested = listParam(query, 'include') ?? [];
  const invalid = requested.filter((name) => !allowed.includes(name));
  if (invalid.length > 0)
    throw new JsonApiException(
      400,
      invalid.map((name) => ({
        detail: `Invalid include parameter: ${name}`,
        source: { parameter: 'include' },
      })),
    );
  return requested;
};

/** Throws the 400 for a query parameter; shared by the query parsers. */
export const invalidParameter = (parameter: string, detail: string): JsonApiException =>
  badRequest(detail, { parameter });
