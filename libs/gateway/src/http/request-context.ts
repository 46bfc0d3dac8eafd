import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { type RequestUrl, requestUrlOf } from '../jsonapi/request-url';

/** Where the gateway's request hook leaves the configured public origin for `@CurrentUrl()`. */
export const PUBLIC_ORIGIN = Symbol('gateway.publicOrigin');

type WithOrigin = FastifyRequest & { [PUBLIC_ORIGIN]?: string };

/** The `RequestUrl` of a Fastify request, with the configured `PUBLIC_URL` as origin when set. */
export const currentUrlOf = (request: FastifyRequest): RequestUrl =>
  requestUrlOf(request, (request as WithOrigin)[PUBLIC_ORIGIN]);

/** Parameter decorator: the request's `RequestUrl`, for `paginate()` and links. */
export const CurrentUrl = createParamDecorator((_: unknown, ctx: ExecutionContext): RequestUrl =>
  currentUrlOf(ctx.switchToHttp().getRequest<FastifyRequest>()),
);

/** Metadata key of `@PublicRoute()`. */
export const PUBLIC_ROUTE = 'gateway:public-route';

/**
 * Marks a route that answers without authentication (ping, discovery, docs). The authentication guard (a later
 * issue) must skip these: go-tfe's client construction pings with whatever token it has.
 */
export const PublicRoute = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, true);
