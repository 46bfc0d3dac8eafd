import { applyDecorators, Controller, SetMetadata } from '@nestjs/common';
import { ApiProduces } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { JSON_API_MEDIA_TYPE } from '../errors/json-api-error';

/** The API's base path: every TFC endpoint lives under it. */
export const API_PREFIX = 'api/v2';

/** Metadata key of `JsonApiController`: the controller's response bodies are JSON:API documents. */
export const JSON_API_CONTROLLER = 'gateway:json-api-controller';

const API_ROOT = `/${API_PREFIX}`;

/**
 * Whether a matched route belongs to the `/api/v2` surface (the route pattern, not the raw URL, decides): every
 * such route is a `JsonApiController`'s, and only those are.
 */
export const isApiRoute = (request: FastifyRequest): boolean => {
  const route = request.routeOptions?.url ?? '';
  return route === API_ROOT || route.startsWith(`${API_ROOT}/`);
};

/**
 * A controller of the JSON:API surface: mounted under `/api/v2/<path>`, its response bodies sent as
 * `application/vnd.api+json` (by the gateway's `onSend` hook, `installRequestHook`: every route under `/api/v2` is
 * one of these), documented as producing it. Errors are the exception filter's business.
 */
export const JsonApiController = (path = ''): ClassDecorator =>
  applyDecorators(
    Controller([API_PREFIX, path.replace(/^\/+|\/+$/g, '')].filter(Boolean).join('/')),
    SetMetadata(JSON_API_CONTROLLER, true),
    ApiProduces(JSON_API_MEDIA_TYPE),
  );
