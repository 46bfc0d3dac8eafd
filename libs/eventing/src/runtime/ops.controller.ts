import { Controller, Get, Header, HttpCode, HttpException, HttpStatus, Inject } from '@nestjs/common';
import { Registry } from 'prom-client';
import { ReadinessRegistry } from './readiness';

export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');

/** Liveness, readiness and Prometheus metrics: the same three endpoints in every process. */
@Controller()
export class OpsController {
  constructor(
    private readonly readiness: ReadinessRegistry,
    @Inject(METRICS_REGISTRY) private readonly metrics: Registry,
  ) {}

  /** Liveness: the event loop answers. Never checks dependencies (a dead database must not restart every pod). */
  @Get('healthz')
  @HttpCode(200)
  health() {
    return { status: 'ok' };
  }

  @Get('readyz')
  async ready() {
    const report = await this.readiness.report();
    if (!report.ready)
      throw new HttpException(
        { status: 'unavailable', checks: report.checks },
        HttpStatus.SERVICE_UNAVAILABLE,
      );
    return { status: 'ok', checks: report.checks };
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async prometheus() {
    return this.metrics.metrics();
  }
}
