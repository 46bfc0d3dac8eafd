import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { GATEWAY_CONFIG, loadGatewayConfig } from './config/gateway-config';
import { GatewayDocs } from './docs/gateway-docs';
import { GatewayExceptionFilter } from './errors/gateway-exception.filter';
import { GatewayHttpSetup } from './http/gateway-http.setup';
import { DiscoveryController } from './routes/discovery.controller';
import { PingController } from './routes/ping.controller';

/**
 * The API gateway (see docs/architecture.md and this lib's README): the HTTP framing of the whole surface —
 * JSON:API error documents from one exception filter, lenient JSON body parsing, TFC's version and rate-limit
 * headers on every response, `GET /api/v2/ping`, `GET /.well-known/terraform.json`, and the OpenAPI document at
 * `/api/docs` (UI) and `/api/docs-json`. Configuration comes from the environment (`loadGatewayConfig`); tests
 * override `GATEWAY_CONFIG`.
 */
@Module({
  controllers: [PingController, DiscoveryController],
  providers: [
    { provide: GATEWAY_CONFIG, useFactory: () => loadGatewayConfig() },
    { provide: APP_FILTER, useClass: GatewayExceptionFilter },
    GatewayHttpSetup,
    GatewayDocs,
  ],
  exports: [GATEWAY_CONFIG],
})
export class GatewayModule {}
