import { Body, type PipeTransform, Query } from '@nestjs/common';
import type { z } from 'zod';
import { badRequest, JsonApiException } from '../errors/json-api-error';
import { attributeErrors, parameterErrors, railsErrorMap } from './zod-issues';

/**
 * Validates the query string (as Fastify parses it: bracketed names verbatim, e.g. `page[number]`, repeated names
 * as arrays) with a zod schema: 400 with `source.parameter` per failing parameter. Use `z.coerce` for numbers.
 */
export class ZodQueryPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(private readonly schema: S) {}

  transform(query: unknown): z.output<S> {
    const parsed = this.schema.safeParse(query ?? {}, { error: railsErrorMap });
    if (!parsed.success) throw new JsonApiException(400, parameterErrors(parsed.error.issues));
    return parsed.data;
  }
}

/** `@Query()` validated by a zod schema (see `ZodQueryPipe`). */
export const ValidQuery = <S extends z.ZodType>(schema: S): ParameterDecorator =>
  Query(new ZodQueryPipe(schema));

/**
 * Validates a plain-JSON body (the few TFC endpoints that take no JSON:API document: admin impersonation, initial
 * admin creation): 400 when it is not a JSON object, 422 `invalid attribute` per failing member with
 * `source.pointer` `/<member>` (keys are used as sent, no case conversion).
 */
export class ZodBodyPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(private readonly schema: S) {}

  transform(body: unknown): z.output<S> {
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw badRequest('The request body must be a JSON object');
    const parsed = this.schema.safeParse(body, { error: railsErrorMap });
    if (!parsed.success)
      throw new JsonApiException(422, attributeErrors(parsed.error.issues, { prefix: '', case: 'as-is' }));
    return parsed.data;
  }
}

/** `@Body()` as plain JSON validated by a zod schema (see `ZodBodyPipe`). */
export const ValidBody = <S extends z.ZodType>(schema: S): ParameterDecorator =>
  Body(new ZodBodyPipe(schema));
