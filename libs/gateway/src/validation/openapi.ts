import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiConsumes } from '@nestjs/swagger';
import { z } from 'zod';
import { JSON_API_MEDIA_TYPE } from '../errors/json-api-error';
import { type AttributeCase, wireCase } from '../jsonapi/keys';
import type { JsonApiBodySpec } from './json-api-body';

type Schema = Record<string, unknown>;

/** A JSON Schema over camelCase keys rewritten with the wire names (`properties` and `required`, deep). */
const toWire = (schema: unknown, attributeCase: AttributeCase): unknown => {
  if (Array.isArray(schema)) return schema.map((s) => toWire(s, attributeCase));
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$schema') continue;
    if (key === 'properties' && typeof value === 'object' && value !== null)
      out.properties = Object.fromEntries(
        Object.entries(value).map(([name, s]) => [wireCase(name, attributeCase), toWire(s, attributeCase)]),
      );
    else if (key === 'required' && Array.isArray(value))
      out.required = value.map((name) => (typeof name === 'string' ? wireCase(name, attributeCase) : name));
    else out[key] = toWire(value, attributeCase);
  }
  return out;
};

/** The OpenAPI schema of a JSON:API request document described by a spec (attributes from its zod schema). */
export const jsonApiBodySchema = (spec: JsonApiBodySpec): Schema => {
  const typeNames = typeof spec.type === 'string' ? [spec.type] : [...spec.type];
  const attributes = spec.attributes
    ? toWire(z.toJSONSchema(spec.attributes, { io: 'input', unrepresentable: 'any' }), spec.case ?? 'kebab')
    : { type: 'object' };
  const relationships = Object.fromEntries(
    Object.entries(spec.relationships ?? {}).map(([name, rel]) => {
      const identifier = {
        type: 'object',
        required: ['type', 'id'],
        properties: {
          type: { type: 'string', enum: typeof rel.type === 'string' ? [rel.type] : [...rel.type] },
          id: { type: 'string' },
        },
      };
      return [
        wireCase(name, spec.case ?? 'kebab'),
        {
          type: 'object',
          properties: {
            data: rel.many ? { type: 'array', items: identifier } : { ...identifier, nullable: true },
          },
        },
      ];
    }),
  );
  return {
    type: 'object',
    required: ['data'],
    properties: {
      data: {
        type: 'object',
        required: ['type'],
        properties: {
          type: { type: 'string', enum: spec.allowEmptyType ? [...typeNames, ''] : typeNames },
          id: { type: 'string' },
          attributes,
          ...(spec.relationships ? { relationships: { type: 'object', properties: relationships } } : {}),
        },
      },
    },
  };
};

/** Documents a handler's JSON:API request body from the same spec `@JsonApiBody(spec)` validates with. */
export const ApiJsonApiBody = (spec: JsonApiBodySpec, description?: string): MethodDecorator =>
  applyDecorators(
    ApiConsumes(JSON_API_MEDIA_TYPE, 'application/json'),
    ApiBody({ schema: jsonApiBodySchema(spec), ...(description ? { description } : {}) }),
  );
