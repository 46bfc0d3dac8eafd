import type { DynamicModule, Provider, Type } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { DEFAULT_GATEWAY_CONFIG, GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import { GatewayModule } from '../gateway.module';

export interface GatewayTestAppOptions {
  config?: Partial<GatewayConfig>;
  /** Extra controllers and providers, mounted beside GatewayModule (its filter and hooks apply to them). */
  controllers?: Type<unknown>[];
  providers?: Provider[];
  imports?: Array<Type<unknown> | DynamicModule>;
  /** Runs between creating and initialising the app (e.g. `connectMicroservice`). */
  beforeInit?: (app: NestFastifyApplication) => Promise<void> | void;
}

/**
 * A real Nest application on Fastify with GatewayModule, configured as `startHost` configures it (1 MiB body
 * limit), initialised and ready for `app.inject()`. Nest's logger is silenced; spy on `Logger.prototype` to assert.
 */
export const createGatewayTestApp = async (
  options: GatewayTestAppOptions = {},
): Promise<NestFastifyApplication> => {
  const moduleRef = await Test.createTestingModule({
    imports: [GatewayModule, ...(options.imports ?? [])],
    controllers: options.controllers ?? [],
    providers: options.providers ?? [],
  })
    .overrideProvider(GATEWAY_CONFIG)
    .useValue({ ...DEFAULT_GATEWAY_CONFIG, ...options.config })
    .compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(
    new FastifyAdapter({ bodyLimit: 1024 * 1024 }),
    {
      logger: false,
    },
  );
  await options.beforeInit?.(app);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
};
