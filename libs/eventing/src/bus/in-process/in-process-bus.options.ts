import type { CustomClientOptions, CustomStrategy } from '@nestjs/microservices';
import { InProcessBusClient, type InProcessClientOptions } from './in-process-bus.client';
import { InProcessBusServer, type InProcessServerOptions } from './in-process-bus.server';

/**
 * Microservice options for `NestFactory.createMicroservice` / `app.connectMicroservice`: a fresh
 * `InProcessBusServer` consuming in `groupId`. Call once per microservice (a strategy serves one app).
 */
export const inProcessServerOptions = (options: InProcessServerOptions): CustomStrategy => ({
  strategy: new InProcessBusServer(options),
});

/** Client options for `ClientsModule.register` / `ClientProxyFactory.create`. */
export const inProcessClientOptions = (options: InProcessClientOptions): CustomClientOptions => ({
  customClass: InProcessBusClient,
  options,
});
