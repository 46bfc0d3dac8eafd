import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type GatewayConfig, GATEWAY_CONFIG, responseHeaders } from '../config/gateway-config';
import { badRequest, JSON_API_MEDIA_TYPE, JsonApiException } from '../errors/json-api-error';
import { findDocumentProblem, isStorableText, MAX_DOCUMENT_DEPTH } from '../validation/text-safety';
import { isApiRoute } from './json-api-controller';
import { PUBLIC_ORIGIN, requestContextOf } from './request-context';

/** Media types parsed as JSON, with or without parameters, in any letter case. */
export const JSON_MEDIA_TYPES = ['application/json', 'application/vnd.api+json'];

type Done = (err: Error | null, body?: unknown) => void;

const JSON_API_WITH_PARAMETERS = /^application\/vnd\.api\+json\s*;/i;

/** What Fastify sends an object (or a JSON string) as: `application/json; charset=utf-8`. */
const PLAIN_JSON = /^application\/json\s*(;|$)/i;

/**
 * Body parsing for the HTTP surface (replaces Fastify's and Nest's parsers):
 * - `application/json` and `application/vnd.api+json` (any parameters) are JSON; an empty body is no body, since
 *   go-tfe sends that Content-Type on bodiless POST/PATCH/DELETE. Invalid JSON (prototype-poisoning keys included),
 *   text PostgreSQL cannot store, or nesting deeper than 32 levels: 400.
 * - Any other Content-Type: accepted without a body, 415 with one. A later endpoint that needs another type
 *   (the SAML ACS form post) adds its own parser; Fastify prefers it to this catch-all.
 * The size limit is the host's (`bodyLimit`, 1 MiB): larger bodies are 413 before any parsing.
 */
export const installBodyParsers = (fastify: FastifyInstance): void => {
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    JSON_MEDIA_TYPES,
    { parseAs: 'string' },
    (req: FastifyRequest, raw: string | Buffer, done: Done) => {
      const text = (typeof raw === 'string' ? raw : raw.toString('utf8')).replace(/^\uFEFF/, '');
      if (text.trim() === '') return done(null, undefined);
      parseJson(req, text, (err: Error | null, body?: unknown) => {
        if (err) return done(badRequest('The request body is not valid JSON'));
        const problem = findDocumentProblem(body);
        if (problem?.reason === 'depth')
          return done(badRequest(`The request body is nested deeper than ${MAX_DOCUMENT_DEPTH} levels`));
        if (problem)
          return done(
            badRequest(
              'The request body contains text that cannot be stored (a NUL character or an unpaired surrogate)',
              {
                pointer: problem.pointer,
              },
            ),
          );
        done(null, body);
      });
    },
  );
  fastify.addContentTypeParser(
    '*',
    { parseAs: 'buffer' },
    (_req: FastifyRequest, raw: string | Buffer, done: Done) => {
      if (raw.length === 0) return done(null, undefined);
      done(
        new JsonApiException(415, [
          {
            detail: 'Send the request body as application/vnd.api+json (or application/json)',
            source: { header: 'Content-Type' },
          },
        ]),
      );
    },
  );
};

const queryValues = (value: unknown): string[] =>
  typeof value === 'string'
    ? [value]
    : Array.isArray(value)
      ? value.filter((v): v is string => typeof v === 'string')
      : [];

/**
 * Every request: the version/rate-limit headers and `X-Request-Id` first (so errors carry them too), the public
 * origin for links, then path and query text checked like bodies (a `%00` in an id must be a 400, not a database error).
 * The request's context (`requestContextOf`) is created here and lives on the request; no hook makes it ambient:
 * handlers take it with `@CurrentContext()` and pass it to `ServiceClient.request` themselves.
 * Every response: a JSON body of a `/api/v2` route (a `JsonApiController`'s) is `application/vnd.api+json`, and
 * that type goes without parameters.
 *
 * These were Nest interceptors; as Fastify hooks they cost no async resource, `defer` or `mergeAll` per request,
 * and RPC/event handlers hosted in the same process (which inherit the app's global enhancers) pay nothing.
 */
export const installRequestHook = (fastify: FastifyInstance, config: GatewayConfig): void => {
  const headers = responseHeaders(config);
  fastify.addHook(
    'onRequest',
    (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
      reply.headers(headers);
      // Correlation id: a sane client `X-Request-Id` is kept, anything else replaced; echoed on every response and
      // attached to every message the request sends on the bus.
      reply.header('X-Request-Id', requestContextOf(request).correlationId);
      (request as FastifyRequest & { [PUBLIC_ORIGIN]?: string })[PUBLIC_ORIGIN] = config.publicUrl;
      for (const [name, value] of Object.entries((request.query as Record<string, unknown>) ?? {})) {
        if (!isStorableText(name) || queryValues(value).some((v) => !isStorableText(v)))
          return done(badRequest('Query parameters must not contain NUL characters', { parameter: name }));
      }
      for (const value of Object.values((request.params as Record<string, unknown>) ?? {})) {
        if (typeof value === 'string' && !isStorableText(value))
          return done(badRequest('The path must not contain NUL characters'));
      }
      done();
    },
  );
  // Fastify appends `; charset=utf-8` to JSON-like types; JSON:API 1.0 forbids media type parameters on
  // application/vnd.api+json (strict JSON:API clients compare the type exactly), and JSON is UTF-8 anyway.
  // A handler's JSON body on `/api/v2` (sent by Fastify as application/json) is a JSON:API document.
  fastify.addHook('onSend', (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: Done) => {
    const type = reply.getHeader('content-type');
    if (
      typeof type === 'string' &&
      (JSON_API_WITH_PARAMETERS.test(type) || (PLAIN_JSON.test(type) && isApiRoute(request)))
    )
      reply.header('content-type', JSON_API_MEDIA_TYPE);
    done(null, payload);
  });
};

/**
 * Installs the gateway's HTTP framing on the Fastify instance when the module initialises (after Nest registered
 * its routes and parsers, before the server listens): body parsers and the per-request hook. Throws at boot if the
 * process does not run on Fastify.
 */
@Injectable()
export class GatewayHttpSetup implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (!adapter) return; // an application context without HTTP (scripts, microservice-only tests)
    if (adapter.getType() !== 'fastify')
      throw new Error(`GatewayModule needs the Fastify adapter, got ${adapter.getType()}`);
    const fastify = adapter.getInstance<FastifyInstance>();
    installBodyParsers(fastify);
    installRequestHook(fastify, this.config);
  }
}
