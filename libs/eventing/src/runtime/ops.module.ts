import { type DynamicModule, Global, Module } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { METRICS_REGISTRY, OpsController } from './ops.controller';
import { ReadinessRegistry } from './readiness';

/** `/healthz`, `/readyz`, `/metrics` for one process, labelled with its service name. */
@Global()
@Module({})
export class OpsModule {
  static forRoot(options: { service: string }): DynamicModule {
    const registry = new Registry();
    registry.setDefaultLabels({ service: options.service });
    collectDefaultMetrics({ register: registry });
    return {
      module: OpsModule,
      controllers: [OpsController],
      providers: [ReadinessRegistry, { provide: METRICS_REGISTRY, useValue: registry }],
      exports: [ReadinessRegistry, METRICS_REGISTRY],
    };
  }
}
