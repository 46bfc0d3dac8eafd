import { HttpException } from '@nestjs/common';

/** The JSON:API media type; every JSON:API response carries it, without parameters (JSON:API 1.0). */
export const JSON_API_MEDIA_TYPE = 'application/vnd.api+json';

/** Where an error comes from: a JSON pointer into the request document, a query parameter, or a header. */
export interface JsonApiErrorSource {
  pointer?: string;
  parameter?: string;
  header?: string;
}

/**
 * One error object as TFC writes it. `status` is a string (go-tfe v2 decodes it into a Go string). `code` is this
 * product's stable domain code (`UNIQUENESS.USERNAME_TAKEN`), an extension member clients may ignore.
 */
export interface JsonApiErrorObject {
  status: string;
  title: string;
  detail?: string;
  code?: string;
  source?: JsonApiErrorSource;
  meta?: Record<string, unknown>;
}

export interface JsonApiErrorDocument {
  errors: JsonApiErrorObject[];
}

/** Titles TFC uses (lower case, as observed: `unauthorized`, `not found`, `invalid attribute`). */
const TITLES: Record<number, string> = {
  400: 'bad request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not found',
  405: 'method not allowed',
  406: 'not acceptable',
  409: 'conflict',
  410: 'gone',
  413: 'payload too large',
  415: 'unsupported media type',
  422: 'unprocessable entity',
  429: 'Too many requests',
  500: 'internal server error',
  501: 'not implemented',
  502: 'bad gateway',
  503: 'service unavailable',
  504: 'gateway timeout',
};

export const titleForStatus = (status: number): string =>
  TITLES[status] ?? (status >= 500 ? 'internal server error' : 'bad request');

/** Title of a 422 that names an attribute (TFC: `invalid attribute`). */
export const INVALID_ATTRIBUTE = 'invalid attribute';

export type JsonApiErrorInput = Omit<JsonApiErrorObject, 'status' | 'title'> & { title?: string };

/**
 * An HTTP error whose body is a JSON:API error document, rendered as is by the gateway's exception filter.
 * Controllers throw it (or one of the helpers below) for any refusal they decide themselves.
 */
export class JsonApiException extends HttpException {
  readonly errors: JsonApiErrorObject[];
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    errors: JsonApiErrorInput[] = [{}],
    options: { headers?: Record<string, string> } = {},
  ) {
    const objects = (errors.length > 0 ? errors : [{}]).map(({ title, ...rest }): JsonApiErrorObject => ({
      status: String(status),
      title: title ?? titleForStatus(status),
      ...rest,
    }));
    super({ errors: objects } satisfies JsonApiErrorDocument, status);
    this.errors = objects;
    this.headers = options.headers ?? {};
  }
}

/** 400 with a detail and, when given, the offending query parameter or pointer. */
export const badRequest = (detail: string, source?: JsonApiErrorSource): JsonApiException =>
  new JsonApiException(400, [{ detail, ...(source ? { source } : {}) }]);

/** 401 exactly as TFC: `{"status":"401","title":"unauthorized"}` (no detail: no hint which check failed). */
export const unauthorized = (): JsonApiException => new JsonApiException(401);

/** 404 exactly as TFC: also the answer when the caller may not see the resource (no existence oracle). */
export const notFound = (): JsonApiException => new JsonApiException(404);

export const forbidden = (detail?: string): JsonApiException =>
  new JsonApiException(403, [detail ? { detail } : {}]);

/** 422 `invalid attribute` pointing at `/data/attributes/<attribute>` (the wire name). */
export const invalidAttribute = (attribute: string, detail: string): JsonApiException =>
  new JsonApiException(422, [
    { title: INVALID_ATTRIBUTE, detail, source: { pointer: `/data/attributes/${escapePointer(attribute)}` } },
  ]);

/** JSON pointer escaping of one reference token (RFC 6901). */
export const escapePointer = (token: string): string => token.replace(/~/g, '~0').replace(/\//g, '~1');
