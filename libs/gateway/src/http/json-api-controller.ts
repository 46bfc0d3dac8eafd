import {
  applyDecorators,
  type CallHandler,
  Controller,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
  UseInterceptors,
} from '@nestjs/common';
import { ApiProduces } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { map, type Observable } from 'rxjs';
import { JSON_API_MEDIA_TYPE } from '../errors/json-api-error';

/** The API's base path: every TFC endpoint lives under it. */
export const API_PREFIX = 'api/v2';

/** Sets `Content-Type: application/vnd.api+json` on every response body a JSON:API handler returns. */
@Injectable()
export class JsonApiResponseInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    return next.handle().pipe(
      map((body) => {
        if (body !== undefined && !reply.sent) reply.header('content-type', JSON_API_MEDIA_TYPE);
        return body;
      }),
    );
  }
}

/**
 * A controller of the JSON:API surface: mounted under `/api/v2/<path>`, its response bodies sent as
 * `application/vnd.api+json`, documented as producing it. Errors are the exception filter's business.
 */
export const JsonApiController = (path = ''): ClassDecorator =>
  applyDecorators(
    Controller([API_PREFIX, path.replace(/^\/+|\/+$/g, '')].filter(Boolean).join('/')),
    UseInterceptors(JsonApiResponseInterceptor),
    ApiProduces(JSON_API_MEDIA_TYPE),
  );
