import { Body, type PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import {
  badRequest,
  escapePointer,
  JsonApiException,
  type JsonApiErrorObject,
} from '../errors/json-api-error';
import { type AttributeCase, camelCase, wireCase } from '../jsonapi/keys';
import type { ResourceIdentifier } from '../jsonapi/resource';
import { attributeErrors, humanize, railsErrorMap } from './zod-issues';

export interface RelationshipSpec {
  /** Accepted resource type(s) of the related identifiers. */
  type: string | readonly string[];
  /** To-many (`data: [...]`) instead of to-one (`data: {type,id}` or `null`). */
  many?: boolean;
  /** The relationship must be present (a to-one with `data: null` does not count). */
  required?: boolean;
  /** To-many: most identifiers accepted (422 on `…/data` beyond it). */
  max?: number;
  /** What an id must look like (422 on `…/id` otherwise), e.g. `/^[A-Za-z0-9_-]{1,64}$/`. */
  id?: RegExp;
}

/**
 * What a JSON:API request body must look like. `attributes` is a zod object schema over camelCase keys; on the wire
 * they are kebab-case (or snake_case with `case: 'snake'`, for the password change only).
 */
export interface JsonApiBodySpec<S extends z.ZodType = z.ZodType> {
  /** Expected `data.type` (or types); another type is a 409 (JSON:API) pointing at `/data/type`. */
  type: string | readonly string[];
  /** Accept `"type": ""`: go-tfe sends it for token creation and settings updates (TFC-API.md §13.1 rule 10). */
  allowEmptyType?: boolean;
  attributes?: S;
  case?: AttributeCase;
  /** Relationships read from the body, by camelCase name. Others are ignored. */
  relationships?: Record<string, RelationshipSpec>;
}

/** The validated body a controller receives. */
export interface JsonApiBodyOf<A> {
  /** The type sent, or the (first) expected type when `""` was sent and allowed. */
  type: string;
  id?: string;
  attributes: A;
  /** By camelCase name: an identifier, a list of identifiers, or `null`; absent when not sent. */
  relationships: Record<string, ResourceIdentifier | ResourceIdentifier[] | null>;
}

/** The controller-side type of a spec: `body: JsonApiInput<typeof createUser>`. */
export type JsonApiInput<Spec> =
  Spec extends JsonApiBodySpec<infer S>
    ? JsonApiBodyOf<S extends z.ZodType ? z.output<S> : Record<string, never>>
    : never;

/** Declares a spec with its schema type kept, for `JsonApiInput<typeof spec>`. */
export const jsonApiBody = <S extends z.ZodType>(spec: JsonApiBodySpec<S>): JsonApiBodySpec<S> => spec;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Wire-case keys → camelCase, deep through plain objects and arrays. A key with an upper-case letter is not a wire
 * name (`isAdmin` is not `is-admin`) and is dropped, as is any other unknown attribute later by the schema.
 */
export const toCamelKeys = (value: unknown, from: AttributeCase): unknown => {
  if (Array.isArray(value)) return value.map((v) => toCamelKeys(v, from));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (/[A-Z]/.test(key) || FORBIDDEN_KEYS.has(key)) continue;
    out[camelCase(key, from)] = toCamelKeys(v, from);
  }
  return out;
};

const NOT_A_DOCUMENT = 'The request body must be a JSON:API document with a "data" object';

const types = (t: string | readonly string[]): readonly string[] => (typeof t === 'string' ? [t] : t);

const identifierError = (pointer: string, detail: string): JsonApiErrorObject => ({
  status: '422',
  title: 'invalid relationship',
  detail,
  source: { pointer },
});

const readRelationships = (
  raw: unknown,
  spec: Record<string, RelationshipSpec>,
  attributeCase: AttributeCase,
  errors: JsonApiErrorObject[],
): JsonApiBodyOf<unknown>['relationships'] => {
  const out: JsonApiBodyOf<unknown>['relationships'] = {};
  if (raw === undefined || raw === null) raw = {};
  if (!isPlainObject(raw))
    throw badRequest('relationships must be an object', { pointer: '/data/relationships' });
  for (const [name, rel] of Object.entries(spec)) {
    const wire = wireCase(name, attributeCase);
    const base = `/data/relationships/${escapePointer(wire)}`;
    const subject = humanize(wire);
    const allowed = types(rel.type);
    const value = raw[wire];
    if (value === undefined || value === null) {
      if (rel.required) errors.push(identifierError(base, `${subject} can't be blank`));
      continue;
    }
    if (!isPlainObject(value) || !('data' in value)) {
      errors.push(identifierError(base, `${subject} must be an object with "data"`));
      continue;
    }
    const check = (item: unknown, pointer: string): ResourceIdentifier | undefined => {
      if (
        !isPlainObject(item) ||
        typeof item.id !== 'string' ||
        item.id === '' ||
        typeof item.type !== 'string'
      ) {
        errors.push(identifierError(pointer, `${subject} must be resource identifiers ({"type","id"})`));
        return undefined;
      }
      if (!allowed.includes(item.type)) {
        errors.push(identifierError(`${pointer}/type`, `${subject} must be of type ${allowed.join(' or ')}`));
        return undefined;
      }
      if (rel.id && !rel.id.test(item.id)) {
        errors.push(identifierError(`${pointer}/id`, `${subject} id is invalid`));
        return undefined;
      }
      return { type: item.type, id: item.id };
    };
    if (rel.many) {
      if (!Array.isArray(value.data)) {
        errors.push(identifierError(`${base}/data`, `${subject} must be a list of resource identifiers`));
        continue;
      }
      if (rel.max !== undefined && value.data.length > rel.max) {
        errors.push(identifierError(`${base}/data`, `${subject} is too long (maximum is ${rel.max} items)`));
        continue;
      }
      const items = value.data.map((item, i) => check(item, `${base}/data/${i}`));
      if (rel.required && items.length === 0)
        errors.push(identifierError(`${base}/data`, `${subject} can't be blank`));
      out[name] = items.filter((i): i is ResourceIdentifier => i !== undefined);
    } else if (value.data === null) {
      if (rel.required) errors.push(identifierError(`${base}/data`, `${subject} can't be blank`));
      else out[name] = null;
    } else {
      const item = check(value.data, `${base}/data`);
      if (item) out[name] = item;
    }
  }
  return out;
};

/**
 * Validates a JSON:API request body against a spec: 400 when the body is not a JSON:API document (no `data` object,
 * `attributes` not an object), 409 for a wrong `data.type`, 422 with one error object per failing attribute or
 * relationship (`source.pointer` `/data/attributes/<wire-name>`), all reported together.
 */
export class JsonApiBodyPipe<S extends z.ZodType> implements PipeTransform<
  unknown,
  JsonApiBodyOf<z.output<S>>
> {
  constructor(private readonly spec: JsonApiBodySpec<S>) {}

  transform(body: unknown): JsonApiBodyOf<z.output<S>> {
    const { spec } = this;
    if (!isPlainObject(body)) throw badRequest(NOT_A_DOCUMENT);
    const data = body.data;
    if (!isPlainObject(data)) throw badRequest(NOT_A_DOCUMENT, { pointer: '/data' });

    const expected = types(spec.type);
    if (typeof data.type !== 'string')
      throw badRequest('data.type must be a string', { pointer: '/data/type' });
    let type = data.type;
    if (type === '' && spec.allowEmptyType) type = expected[0];
    else if (!expected.includes(type))
      throw new JsonApiException(409, [
        {
          detail: `data.type must be ${expected.map((t) => `"${t}"`).join(' or ')}`,
          source: { pointer: '/data/type' },
        },
      ]);

    if (data.id !== undefined && data.id !== null && typeof data.id !== 'string')
      throw badRequest('data.id must be a string', { pointer: '/data/id' });

    const rawAttributes = data.attributes ?? {};
    if (!isPlainObject(rawAttributes))
      throw badRequest('data.attributes must be an object', { pointer: '/data/attributes' });

    const attributeCase = spec.case ?? 'kebab';
    const errors: JsonApiErrorObject[] = [];
    let attributes: unknown = {};
    const schema = spec.attributes ?? z.object({});
    const parsed = schema.safeParse(toCamelKeys(rawAttributes, attributeCase), { error: railsErrorMap });
    if (parsed.success) attributes = parsed.data;
    else
      errors.push(
        ...attributeErrors(parsed.error.issues, { prefix: '/data/attributes', case: attributeCase }),
      );

    const relationships = spec.relationships
      ? readRelationships(data.relationships, spec.relationships, attributeCase, errors)
      : {};
    if (errors.length > 0) throw new JsonApiException(422, errors);

    return {
      type,
      ...(typeof data.id === 'string' ? { id: data.id } : {}),
      attributes: attributes as z.output<S>,
      relationships,
    };
  }
}

/** `@Body()` validated as a JSON:API document (see `JsonApiBodyPipe`). */
export const JsonApiBody = <S extends z.ZodType>(spec: JsonApiBodySpec<S>): ParameterDecorator =>
  Body(new JsonApiBodyPipe(spec));

/** What `@JsonApiIdentifiers` accepts. */
export interface JsonApiIdentifiersSpec {
  /** Accepted resource type(s). */
  type: string | readonly string[];
  /** Fewest identifiers (default 1). */
  min?: number;
  /** Most identifiers (422 on `/data` beyond it; default unbounded). */
  max?: number;
  /** What an id must look like (422 on `/data/<i>/id` otherwise). */
  id?: RegExp;
}

/**
 * Validates a body whose `data` is a list of resource identifiers (`{"data":[{"type":"users","id":"ada"}]}`: team
 * membership, bulk deletes). 400 when `data` is not an array, 422 per bad identifier, 422 for too few or too many.
 */
export class JsonApiIdentifiersPipe implements PipeTransform<unknown, ResourceIdentifier[]> {
  constructor(private readonly spec: JsonApiIdentifiersSpec) {}

  transform(body: unknown): ResourceIdentifier[] {
    if (!isPlainObject(body) || !Array.isArray(body.data))
      throw badRequest('The request body must be a JSON:API document whose "data" is a list', {
        pointer: '/data',
      });
    const allowed = types(this.spec.type);
    const errors: JsonApiErrorObject[] = [];
    const out: ResourceIdentifier[] = [];
    if (this.spec.max !== undefined && body.data.length > this.spec.max)
      throw new JsonApiException(422, [
        identifierError('/data', `must list at most ${this.spec.max} resource identifier(s)`),
      ]);
    body.data.forEach((item, i) => {
      if (
        !isPlainObject(item) ||
        typeof item.id !== 'string' ||
        item.id === '' ||
        typeof item.type !== 'string'
      )
        errors.push(identifierError(`/data/${i}`, 'must be a resource identifier ({"type","id"})'));
      else if (!allowed.includes(item.type))
        errors.push(identifierError(`/data/${i}/type`, `type must be ${allowed.join(' or ')}`));
      else if (this.spec.id && !this.spec.id.test(item.id))
        errors.push(identifierError(`/data/${i}/id`, 'id is invalid'));
      else out.push({ type: item.type, id: item.id });
    });
    if (errors.length === 0 && out.length < (this.spec.min ?? 1))
      errors.push(
        identifierError('/data', `must list at least ${this.spec.min ?? 1} resource identifier(s)`),
      );
    if (errors.length > 0) throw new JsonApiException(422, errors);
    return out;
  }
}

/** `@Body()` as a list of resource identifiers (see `JsonApiIdentifiersPipe`). */
export const JsonApiIdentifiers = (spec: JsonApiIdentifiersSpec): ParameterDecorator =>
  Body(new JsonApiIdentifiersPipe(spec));
