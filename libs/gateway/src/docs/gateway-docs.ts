import { Inject, Injectable, type INestApplication, type OnModuleInit } from '@nestjs/common';
import { ApplicationConfig, HttpAdapterHost, ModulesContainer } from '@nestjs/core';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { type GatewayConfig, GATEWAY_CONFIG } from '../config/gateway-config';

/** Swagger UI path; the OpenAPI document is at `${DOCS_PATH}-json`. */
export const DOCS_PATH = 'api/docs';

/** The OpenAPI document of every controller in the application, built on first request. */
export const buildOpenApiDocument = (app: INestApplication, config: GatewayConfig): OpenAPIObject =>
  SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Identity platform API')
      .setDescription(
        `Terraform Cloud /api/v2 compatible (JSON:API, \`application/vnd.api+json\`). Errors are JSON:API error documents. TFP-API-Version ${config.apiVersion}.`,
      )
      .setVersion(config.apiVersion)
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Session token (API tokens to come)' })
      .addCookieAuth('idp_session', {
        type: 'apiKey',
        in: 'cookie',
        description: 'Browser session (set by POST /api/v2/session)',
      })
      .build(),
  );

/** Serves Swagger UI at `/api/docs` and the document at `/api/docs-json` for a host that holds the app. */
export const mountDocs = (app: INestApplication, config: GatewayConfig): void =>
  SwaggerModule.setup(DOCS_PATH, app, () => buildOpenApiDocument(app, config), {
    jsonDocumentUrl: `${DOCS_PATH}-json`,
    raw: ['json'],
    customSiteTitle: 'Identity platform API',
  });

/**
 * Mounts the docs from inside `GatewayModule`, so no host has to: `startHost` builds the app, and modules
 * cannot reach it. @nestjs/swagger reads three things from the app — `container.getModules()` (the public
 * `ModulesContainer`), `config` (the global prefix and versioning, neither of which the host sets: a fresh
 * `ApplicationConfig` answers the same) and the HTTP adapter (for routes and `@fastify/static`) — and this view
 * provides exactly those. `routes/meta.e2e.spec.ts` fails if an upgrade of @nestjs/swagger needs more.
 */
@Injectable()
export class GatewayDocs implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly modules: ModulesContainer,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (!adapter) return;
    const appView = {
      container: { getModules: () => this.modules, isGlobalModule: () => false },
      config: new ApplicationConfig(),
      getHttpAdapter: () => adapter,
      useStaticAssets: (options: Parameters<NestFastifyApplication['useStaticAssets']>[0]) =>
        (adapter as unknown as NestFastifyApplication).useStaticAssets(options),
    };
    mountDocs(appView as unknown as INestApplication, this.config);
  }
}
