import {
  Controller,
  Get,
  type MiddlewareConsumer,
  Module,
  type NestMiddleware,
  type NestModule,
} from '@nestjs/common';
import { DomainError } from '@idp/eventing';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createGatewayTestApp } from '../testing/gateway-test-app';

class RefusingMiddleware implements NestMiddleware {
  use(): void {
    throw new DomainError('SESSION.UNAUTHORIZED', 'no session');
  }
}

@Controller('api/v2/guarded')
class GuardedController {
  @Get()
  get() {
    return { reached: true };
  }
}

@Module({ controllers: [GuardedController] })
class GuardedModule implements NestModule {
  configure(consumer: MiddlewareConsumer) {
    consumer.apply(RefusingMiddleware).forRoutes(GuardedController);
  }
}

describe('errors raised in Nest middleware (raw Node response)', () => {
  let app: NestFastifyApplication;
  beforeAll(async () => {
    app = await createGatewayTestApp({ imports: [GuardedModule] });
  });
  afterAll(() => app.close());

  it('are JSON:API error documents too', async () => {
    const res = await app.inject({ url: '/api/v2/guarded' });
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toBe('application/vnd.api+json');
    expect(res.json()).toEqual({ errors: [{ status: '401', title: 'unauthorized' }] });
    expect(res.headers).toMatchObject({ 'tfp-api-version': '2.5', 'x-ratelimit-limit': '30' });
  });
});
