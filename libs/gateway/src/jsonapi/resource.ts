import { type KebabKeys, kebabCase, serializeAttributes } from './keys';

/** `{ type, id }`: what relationships and `included` are matched by (go-tfe looks up `"<type>,<id>"`). */
export interface ResourceIdentifier<T extends string = string> {
  type: T;
  id: string;
}

export interface RelationshipLinks {
  related?: string;
  self?: string;
}

/**
 * A relationship: to-one `{ data: {type,id} | null }`, to-many `{ data: [...] }`, or links only (go-tfe decodes a
 * links-only relationship to nil/empty, which is fine).
 */
export interface Relationship {
  data?: ResourceIdentifier | ResourceIdentifier[] | null;
  links?: RelationshipLinks;
  meta?: Record<string, unknown>;
}

export interface ResourceLinks {
  self?: string;
  [name: string]: string | undefined;
}

export interface ResourceObject<T extends string = string, A = Record<string, unknown>> {
  type: T;
  id: string;
  attributes: A;
  relationships?: Record<string, Relationship>;
  links?: ResourceLinks;
  meta?: Record<string, unknown>;
}

export interface ResourceOptions {
  /** Keys are written in camelCase or kebab-case; they go on the wire in kebab-case. */
  relationships?: Record<string, Relationship | undefined>;
  links?: ResourceLinks;
  meta?: Record<string, unknown>;
}

const assertId = (type: string, id: unknown): string => {
  // go-tfe decodes ids into Go strings: a number or an empty id breaks every client (§13.1 rule 2).
  if (typeof id !== 'string' || id === '') throw new TypeError(`${type} id must be a non-empty string`);
  return id;
};

/** A resource identifier; throws `TypeError` for a non-string or empty id. */
export const identifier = <T extends string>(type: T, id: string): ResourceIdentifier<T> => ({
  type,
  id: assertId(type, id),
});

/** To-one relationship; a missing id gives `{ data: null }`. */
export const toOne = (
  type: string,
  id: string | null | undefined,
  links?: RelationshipLinks,
): Relationship => ({
  data: id === null || id === undefined ? null : identifier(type, id),
  ...(links ? { links } : {}),
});

/** To-many relationship; always an array (`[]` when empty, never omitted). */
export const toMany = (type: string, ids: readonly string[], links?: RelationshipLinks): Relationship => ({
  data: ids.map((id) => identifier(type, id)),
  ...(links ? { links } : {}),
});

/** To-many relationship over identifiers of mixed types (polymorphic, e.g. `created-by`). */
export const toManyOf = (
  identifiers: readonly ResourceIdentifier[],
  links?: RelationshipLinks,
): Relationship => ({
  data: identifiers.map(({ type, id }) => identifier(type, id)),
  ...(links ? { links } : {}),
});

/** A relationship that carries links only (nothing to side-load). */
export const linksOnly = (links: RelationshipLinks): Relationship => ({ links });

/**
 * A resource object as TFC writes it: `type`, string `id`, kebab-case `attributes` (dates as timestamps, nested
 * objects with kebab-case keys), optional `relationships` (kebab-case names), `links`, `meta`.
 *
 * ```ts
 * resource('users', user.id, { username: user.username, isSiteAdmin: false, twoFactor: { enabled, verified } },
 *   { relationships: { authenticationTokens: linksOnly({ related: `/api/v2/users/${user.id}/authentication-tokens` }) } });
 * ```
 */
export const resource = <T extends string, A extends object>(
  type: T,
  id: string,
  attributes: A,
  options: ResourceOptions = {},
): ResourceObject<T, KebabKeys<A>> => {
  const out: ResourceObject<T, KebabKeys<A>> = {
    type,
    id: assertId(type, id),
    attributes: serializeAttributes(attributes),
  };
  if (options.relationships) {
    const relationships: Record<string, Relationship> = {};
    for (const [name, rel] of Object.entries(options.relationships))
      if (rel !== undefined) relationships[kebabCase(name)] = rel;
    out.relationships = relationships;
  }
  if (options.links) out.links = options.links;
  if (options.meta) out.meta = options.meta;
  return out;
};
