import { Test } from '@nestjs/testing';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { OpsModule } from './ops.module';
import { ReadinessRegistry } from './readiness';

describe('OpsModule: /healthz, /readyz, /metrics', () => {
  let app: NestFastifyApplication;
  let dbUp = true;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [OpsModule.forRoot({ service: 'test-svc' })],
    }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter());
    app.get(ReadinessRegistry).register({
      name: 'event-store',
      check: async () => {
        if (!dbUp) throw new Error('connection refused');
      },
    });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(() => app.close());

  it('answers liveness without looking at dependencies', async () => {
    dbUp = false;
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('reports readiness per dependency, 503 with the reason when one is down', async () => {
    dbUp = true;
    const ok = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().checks).toEqual({ 'event-store': 'ok' });
    dbUp = false;
    const down = await app.inject({ method: 'GET', url: '/readyz' });
    expect(down.statusCode).toBe(503);
    expect(JSON.stringify(down.json())).toContain('connection refused');
  });

  it('turns unready while draining', async () => {
    dbUp = true;
    app.get(ReadinessRegistry).startDraining();
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
  });

  it('exposes Prometheus metrics labelled with the service', async () => {
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toMatch(/process_cpu_user_seconds_total\{service="test-svc"\}/);
  });
});
