import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  Inject,
  Logger,
  Optional,
} from '@nestjs/common';
import { BaseRpcExceptionFilter } from '@nestjs/microservices';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import { TimeoutError } from 'rxjs';
import {
  DEFAULT_GATEWAY_CONFIG,
  GATEWAY_CONFIG,
  type GatewayConfig,
  responseHeaders,
} from '../config/gateway-config';
import { mapDomainError } from './domain-errors';
import {
  JSON_API_MEDIA_TYPE,
  type JsonApiErrorDocument,
  type JsonApiErrorObject,
  JsonApiException,
  titleForStatus,
} from './json-api-error';
import { isCodedErrorLike } from './rpc-error';

interface Rendered {
  status: number;
  /** A JSON:API error document, or (outside /api/) an HttpException's own body kept as plain JSON. */
  body: JsonApiErrorDocument | object;
  jsonApi: boolean;
  headers?: Record<string, string>;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Nest's default HttpException body: `{ statusCode, message, error? }`. */
const isNestDefaultBody = (body: Record<string, unknown>) => 'statusCode' in body && 'message' in body;

const generic = (status: number): JsonApiErrorDocument => ({
  errors: [{ status: String(status), title: titleForStatus(status) }],
});

const messagesOf = (response: string | object): string[] => {
  if (typeof response === 'string') return [response];
  if (!isRecord(response)) return [];
  const m = response.message;
  if (typeof m === 'string') return [m];
  if (Array.isArray(m)) return m.filter((x): x is string => typeof x === 'string');
  return [];
};

const isJsonApiErrors = (body: Record<string, unknown>): body is { errors: JsonApiErrorObject[] } =>
  Array.isArray(body.errors) && body.errors.length > 0 && body.errors.every(isRecord);

/**
 * The one exception filter of the HTTP surface: every error leaves as a JSON:API error document
 * (`{"errors":[{"status":"<string>","title":..,"detail":..,"source":..}]}`, `application/vnd.api+json`).
 *
 * - `JsonApiException`: rendered as built.
 * - Other `HttpException`s (Nest's own, Fastify's 413/415/400 mapped by Nest, unknown routes): status kept,
 *   TFC's lower-case title; the message as `detail` for 4xx other than 401/404 (TFC sends those bare).
 *   Outside `/api/`, an HttpException carrying its own object body (the ops `/readyz` 503 with its checks) keeps it.
 * - Domain errors — an in-process `DomainError`/`CodedError`, or the `{ code, message, details }` object a service's
 *   `RpcException` delivers over the bus — mapped by code through the one table (`domain-errors.ts`).
 * - An rxjs `TimeoutError` (a bus request that got no reply in time): 503.
 * - Anything else: 500 with a generic body; the error is logged, never returned (no stack traces, no messages).
 *
 * Microservice (RPC/event) handlers inherit the app's global filters in this host (`inheritAppConfig`): for them
 * this filter behaves exactly like Nest's default RPC filter, so services answer the same embedded or distributed.
 */
@Catch()
export class GatewayExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('GatewayExceptionFilter');
  private readonly rpc = new BaseRpcExceptionFilter();
  private readonly tfcHeaders: Record<string, string>;

  constructor(@Optional() @Inject(GATEWAY_CONFIG) config?: GatewayConfig) {
    this.tfcHeaders = responseHeaders(config ?? DEFAULT_GATEWAY_CONFIG);
  }

  catch(exception: unknown, host: ArgumentsHost) {
    if (host.getType() === 'rpc') return this.rpc.catch(exception, host);
    if (host.getType() !== 'http') throw exception;

    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply | ServerResponse>();
    const request = http.getRequest<FastifyRequest>();
    let rendered: Rendered;
    try {
      rendered = this.render(exception, request);
    } catch (err) {
      this.logger.error(`failed to render an error: ${(err as Error)?.stack ?? String(err)}`);
      rendered = { status: 500, body: generic(500), jsonApi: true };
    }
    this.send(reply, rendered, exception);
  }

  /** Fastify's reply normally; the raw `ServerResponse` when the error comes from a Nest middleware. */
  private send(reply: FastifyReply | ServerResponse, rendered: Rendered, exception: unknown): void {
    const raw = 'raw' in reply ? reply.raw : reply;
    if (raw.headersSent || ('sent' in reply && reply.sent)) {
      this.logger.error(`error after the response was sent: ${this.describe(exception)}`);
      return;
    }
    // The request hook already set the TFC headers on Fastify's reply; an error from a Nest middleware (which
    // runs before that hook, on the raw response) must carry them too.
    const headers: Record<string, string> = {
      ...this.tfcHeaders,
      ...rendered.headers,
      'content-type': rendered.jsonApi ? JSON_API_MEDIA_TYPE : 'application/json; charset=utf-8',
    };
    const payload = JSON.stringify(rendered.body);
    if ('raw' in reply) {
      reply.status(rendered.status).headers(headers).send(payload);
      return;
    }
    raw.statusCode = rendered.status;
    for (const [name, value] of Object.entries(headers)) raw.setHeader(name, value);
    raw.end(payload);
  }

  private render(exception: unknown, request: FastifyRequest | undefined): Rendered {
    if (exception instanceof JsonApiException)
      return {
        status: exception.getStatus(),
        body: { errors: exception.errors },
        jsonApi: true,
        headers: exception.headers,
      };

    if (exception instanceof HttpException) return this.renderHttp(exception, request);

    if (isCodedErrorLike(exception)) {
      const mapped = mapDomainError(exception.code, exception.message, exception.details ?? {});
      if (mapped.status >= 500)
        this.logger.error(`${exception.code} answered ${mapped.status}: ${this.describe(exception)}`);
      return {
        status: mapped.status,
        body: { errors: [mapped.error] },
        jsonApi: true,
        headers: mapped.headers,
      };
    }

    if (exception instanceof TimeoutError) {
      this.logger.warn('a service did not answer in time (bus request timed out)');
      return { status: 503, body: generic(503), jsonApi: true };
    }

    // A client error raised below Nest by a library (`http-errors` style, status 4xx): keep the status, drop the message.
    if (exception instanceof Error) {
      const status =
        (exception as { statusCode?: unknown; status?: unknown }).statusCode ??
        (exception as { status?: unknown }).status;
      if (typeof status === 'number' && Number.isInteger(status) && status >= 400 && status < 500)
        return { status, body: generic(status), jsonApi: true };
    }

    this.logger.error(`unhandled error: ${this.describe(exception)}`);
    return { status: 500, body: generic(500), jsonApi: true };
  }

  private renderHttp(exception: HttpException, request: FastifyRequest | undefined): Rendered {
    const status = exception.getStatus();
    const response = exception.getResponse();
    if (isRecord(response) && isJsonApiErrors(response))
      return {
        status,
        jsonApi: true,
        body: {
          errors: response.errors.map((e) => ({
            ...e,
            status: String(e.status ?? status),
            title: typeof e.title === 'string' ? e.title : titleForStatus(status),
          })),
        },
      };
    const path = request?.url ?? '';
    if (isRecord(response) && !isNestDefaultBody(response) && !path.startsWith('/api/'))
      return { status, body: response, jsonApi: false };

    if (status >= 500) {
      this.logger.error(`HttpException ${status}: ${this.describe(exception)}`);
      return { status, body: generic(status), jsonApi: true };
    }
    const title = titleForStatus(status);
    const details =
      status === 401 || status === 404 ? [] : messagesOf(response).filter((m) => m.toLowerCase() !== title);
    const errors: JsonApiErrorObject[] =
      details.length > 0
        ? details.map((detail) => ({ status: String(status), title, detail }))
        : [{ status: String(status), title }];
    return { status, body: { errors }, jsonApi: true };
  }

  private describe(exception: unknown): string {
    if (exception instanceof Error) return exception.stack ?? `${exception.name}: ${exception.message}`;
    try {
      return JSON.stringify(exception);
    } catch {
      return String(exception);
    }
  }
}
