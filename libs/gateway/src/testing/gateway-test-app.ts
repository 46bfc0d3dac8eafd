import { BUS_CLIENT, type BusClient } from '@idp/eventing';
import { type DynamicModule, Global, Module, type Provider, type Type } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { Observable, throwError } from 'rxjs';
import { DEFAULT_GATEWAY_CONFIG, GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import { GatewayModule } from '../gateway.module';

export interface GatewayTestAppOptions {
  config?: Partial<GatewayConfig>;
  /** Extra controllers and providers, mounted beside GatewayModule (its filter and hooks apply to them). */
  controllers?: Type<unknown>[];
  providers?: Provider[];
  imports?: Array<Type<unknown> | DynamicModule>;
  /**
   * The process's bus client (`BUS_CLIENT`, global as the host provides it). Default: `unavailableBus()`, every
   * request failing with `BUS.UNAVAILABLE` (503).
   */
  bus?: BusClient;
  /** Providers of GatewayModule to replace (e.g. `AUTH_CLOCK`). */
  overrides?: Array<{ provide: unknown; useValue: unknown }>;
  /** Runs between creating and initialising the app (e.g. `connectMicroservice`). */
  beforeInit?: (app: NestFastifyApplication) => Promise<void> | void;
}

/** A bus client that answers every request with `BUS.UNAVAILABLE`, for apps that do not talk to services. */
export const unavailableBus = (): BusClient =>
  ({
    subscribeToResponseOf: () => undefined,
    connect: async () => undefined,
    close: async () => undefined,
    send: () => throwError(() => ({ code: 'BUS.UNAVAILABLE', message: 'no bus in this test' })),
    emit: () => new Observable((s) => s.error(new Error('no bus in this test'))),
    emitBatch: () => new Observable((s) => s.error(new Error('no bus in this test'))),
  }) as unknown as BusClient;

const busModule = (bus: BusClient): DynamicModule => {
  @Global()
  @Module({})
  class TestBusModule {}
  return {
    module: TestBusModule,
    providers: [{ provide: BUS_CLIENT, useValue: bus }],
    exports: [BUS_CLIENT],
  };
};

/**
 * A real Nest application on Fastify with GatewayModule, configured as `startHost` configures it (1 MiB body
 * limit, `BUS_CLIENT` global), initialised and ready for `app.inject()`. Nest's logger is silenced; spy on
 * `Logger.prototype` to assert.
 */
export const createGatewayTestApp = async (
  options: GatewayTestAppOptions = {},
): Promise<NestFastifyApplication> => {
  let builder = Test.createTestingModule({
    imports: [busModule(options.bus ?? unavailableBus()), GatewayModule, ...(options.imports ?? [])],
    controllers: options.controllers ?? [],
    providers: options.providers ?? [],
  })
    .overrideProvider(GATEWAY_CONFIG)
    // Rate limiting is off in tests that are not about it (they fire bursts from one address).
    .useValue({ ...DEFAULT_GATEWAY_CONFIG, rateLimitingEnabled: false, ...options.config });
  for (const { provide, useValue } of options.overrides ?? [])
    builder = builder.overrideProvider(provide).useValue(useValue);
  const moduleRef = await builder.compile();
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
