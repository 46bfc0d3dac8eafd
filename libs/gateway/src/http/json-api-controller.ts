import {
  applyDecorators,
  type CallHandler,
  Controller,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
  SetMetadata,
} from '@nestjs/common';
import { ApiProduces } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { map, type Observable } from 'rxjs';
import { JSON_API_MEDIA_TYPE } from '../errors/json-api-error';

/** The API's base path: every TFC endpoint lives under it. */
export const API_PREFIX = 'api/v2';

/** Metadata key of `JsonApiController`: the controller's response bodies are JSON:API documents. */
export const JSON_API_CONTROLLER = 'gateway:json-api-controller';

const jsonApiControllers = new WeakMap<object, boolean>();

/** Whether a controller class was declared with `JsonApiController` (memoised: asked on every request). */
export const isJsonApiController = (controller: object): boolean => {
  let known = jsonApiControllers.get(controller);
  if (known === undefined) {
    known = Reflect.getMetadata(JSON_API_CONTROLLER, controller) === true;
    jsonApiControllers.set(controller, known);
  }
  return known;
};

/** Sets `Content-Type: application/vnd.api+json` on a response body a JSON:API handler returned. */
export const markJsonApiBody = (reply: FastifyReply, body: unknown): void => {
  if (body !== undefined && !reply.sent) reply.header('content-type', JSON_API_MEDIA_TYPE);
};

/**
 * Sets `Content-Type: application/vnd.api+json` on every response body a JSON:API handler returns. The controllers
 * of `JsonApiController` get this from the gateway's global `RequestContextInterceptor` (one interceptor per
 * request, not two); this one is for a JSON:API handler outside such a controller.
 */
@Injectable()
export class JsonApiResponseInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    return next.handle().pipe(
      map((body) => {
        markJsonApiBody(reply, body);
        return body;
      }),
    );
  }
}

/**
 * A controller of the JSON:API surface: mounted under `/api/v2/<path>`, its response bodies sent as
 * `application/vnd.api+json` (by the gateway's `RequestContextInterceptor`, which reads this decorator's
 * `JSON_API_CONTROLLER` mark), documented as producing it. Errors are the exception filter's business.
 */
export const JsonApiController = (path = ''): ClassDecorator =>
  applyDecorators(
    Controller([API_PREFIX, path.replace(/^\/+|\/+$/g, '')].filter(Boolean).join('/')),
    SetMetadata(JSON_API_CONTROLLER, true),
    ApiProduces(JSON_API_MEDIA_TYPE),
  );
