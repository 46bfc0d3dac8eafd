import { IDENTITY, TOKEN } from '@idp/contracts';
import {
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  HttpException,
  HttpStatus,
  Post,
  Query,
  Req,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { ServiceClient } from '../bus/service-client';
import { mapDomainError } from '../errors/domain-errors';
import { notFound } from '../errors/json-api-error';
import { isCodedErrorLike } from '../errors/rpc-error';
import { CurrentContext, PublicRoute, type RequestContext } from '../http/request-context';
import { railsErrorMap } from '../validation/zod-issues';
import { attributeErrors } from '../validation/zod-issues';
import { initialAdminBody, LINK_TOKEN_MAX } from './account-input';

/** Headers a forwarding proxy adds: a request carrying any of them did not come from this host's loopback. */
const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip', 'x-forwarded-host'];

/**
 * Whether the TCP peer is this host: 127.0.0.0/8 or ::1 (also IPv4-mapped, `::ffff:127.x.y.z`). The socket
 * address is used, never `request.ip`, which honours X-Forwarded-For when proxies are trusted.
 */
export const isLoopback = (address: string | undefined): boolean => {
  if (!address) return false;
  const plain = address.toLowerCase().startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(plain) === 4) return plain.startsWith('127.');
  return address === '::1' || address === '0:0:0:0:0:0:0:1';
};

const isFromLoopback = (request: FastifyRequest): boolean =>
  isLoopback(request.raw.socket?.remoteAddress) &&
  !FORWARDING_HEADERS.some((h) => request.headers[h] !== undefined);

/** TFE's answer shape for a refused bootstrap: `{"status":"error","error":"…"}` (plain JSON, kept by the filter). */
const refusal = (status: number, error: string): HttpException =>
  new HttpException({ status: 'error', error }, status);

/**
 * TFE's bootstrap of the first site admin (TFC-API §10), at the host root, outside `/api/v2`:
 * - `GET /admin/retrieve-iact`: the initial admin creation token as plain text, to loopback clients only (a
 *   request relayed by a proxy, even one on this host, counts as remote); anyone else gets 404.
 * - `POST /admin/initial-admin-user?token=<IACT>` with plain JSON `{username, email, password}`: creates the
 *   admin and answers `{"status":"created","token":"…"}` — a session token for now (an API user token once
 *   those exist) — or `{"status":"error","error":"…"}` (401 for a missing or wrong token, 422 for bad input).
 */
@ApiExcludeController()
@Controller('admin')
@PublicRoute()
export class IactController {
  constructor(private readonly services: ServiceClient) {}

  @Get('retrieve-iact')
  @Header('Content-Type', 'text/plain; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  async retrieve(@CurrentContext() context: RequestContext, @Req() request: FastifyRequest): Promise<string> {
    if (!isFromLoopback(request)) throw notFound();
    const { token } = await this.services.request(IDENTITY.retrieveIact, {}, { context });
    return token;
  }

  @Post('initial-admin-user')
  @HttpCode(HttpStatus.OK)
  @Header('Cache-Control', 'no-store')
  async createInitialAdmin(
    @CurrentContext() context: RequestContext,
    @Query('token') token: unknown,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
  ): Promise<{ status: 'created'; token: string }> {
    if (typeof token !== 'string' || token.trim() === '' || token.length > LINK_TOKEN_MAX)
      throw refusal(401, 'The initial admin creation token is missing or invalid');
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw refusal(422, 'The request body must be a JSON object with username, email and password');
    const parsed = initialAdminBody.safeParse(body, { error: railsErrorMap });
    if (!parsed.success)
      throw refusal(
        422,
        attributeErrors(parsed.error.issues, { prefix: '', case: 'as-is' })
          .map((e) => e.detail)
          .join('; '),
      );

    let userId: string;
    try {
      ({ id: userId } = await this.services.request(
        IDENTITY.createInitialAdmin,
        {
          token: token.trim(),
          ...parsed.data,
        },
        { context },
      ));
    } catch (err) {
      if (!isCodedErrorLike(err)) throw err;
      if (err.code === 'IACT.INVALID') throw refusal(401, err.message);
      const { status, error } = mapDomainError(err.code, err.message, err.details ?? {});
      if (status >= 500) throw err; // logged and answered by the filter
      throw refusal(status, error.detail ?? error.title);
    }
    const ua = request.headers['user-agent'];
    const started = await this.services.request(
      TOKEN.startSession,
      {
        userId,
        requestId: randomUUID(),
        ...(typeof ua === 'string' && ua ? { userAgent: ua.slice(0, 512) } : {}),
      },
      { context },
    );
    return { status: 'created', token: started.token };
  }
}
