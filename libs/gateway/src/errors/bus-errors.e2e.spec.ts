import {
  DomainError,
  type BusClient,
  InProcessBroker,
  InProcessBusClient,
  inProcessServerOptions,
} from '@idp/eventing';
import { Controller, Get, Inject, Param } from '@nestjs/common';
import { MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { firstValueFrom, timeout } from 'rxjs';
import { JsonApiController } from '../http/json-api-controller';
import { PublicRoute } from '../http/request-context';
import { createGatewayTestApp } from '../testing/gateway-test-app';
import { GatewayExceptionFilter } from './gateway-exception.filter';

const PATTERN = 'gateway-test.accounts.get';
const BUS = Symbol('BUS');

/** A service's request handler, throwing as services do. */
@Controller()
class AccountsHandler {
  @MessagePattern(PATTERN)
  handle(@Payload() { case: c }: { case: string }) {
    switch (c) {
      case 'missing':
        throw new RpcException({ code: 'ACCOUNT.NOT_FOUND', message: 'account user-1 not found' });
      case 'taken':
        throw new RpcException({
          code: 'UNIQUENESS.USERNAME_TAKEN',
          message: 'username "ada" is already taken',
          details: { scope: 'username' },
        });
      case 'forbidden':
        throw new RpcException({
          code: 'MEMBERSHIP.LAST_OWNER_FORBIDDEN',
          message: 'Add another owner or delete the organization',
        });
      case 'unwrapped':
        // A DomainError not wrapped in RpcException is masked by the transport, embedded or distributed alike.
        throw new DomainError('ACCOUNT.NOT_FOUND', 'account user-1 not found');
      case 'bug':
        throw new Error('handler bug with secrets');
      default:
        return { ok: true };
    }
  }
}

/** The gateway side: sends over the bus and lets errors propagate to the filter. */
// Authentication is not under test here.
@PublicRoute()
@JsonApiController('bus-test')
class GatewaySide {
  constructor(@Inject(BUS) private readonly bus: BusClient) {}

  @Get(':case')
  async get(@Param('case') c: string) {
    return firstValueFrom(this.bus.send(PATTERN, { case: c }).pipe(timeout(5_000)));
  }
}

describe('domain errors arriving over the bus (in-process transport, as in the embedded platform)', () => {
  let app: NestFastifyApplication;
  let broker: InProcessBroker;
  let client: InProcessBusClient;
  // Installed before the app exists: Nest binds filter methods when it builds a handler's exception context.
  const filter = jest.spyOn(GatewayExceptionFilter.prototype, 'catch');

  beforeAll(async () => {
    broker = new InProcessBroker({ retryInitialMs: 10, retryMaxMs: 100 });
    broker.createTopic(PATTERN, 1);
    client = new InProcessBusClient({ broker });
    client.subscribeToResponseOf(PATTERN);
    app = await createGatewayTestApp({
      controllers: [AccountsHandler, GatewaySide],
      providers: [{ provide: BUS, useValue: client }],
      // As startHost does: the microservice inherits the app's global filters, this gateway's included.
      beforeInit: (a) =>
        void a.connectMicroservice(inProcessServerOptions({ broker, groupId: 'gateway-test' }), {
          inheritAppConfig: true,
        }),
    });
    await app.startAllMicroservices();
    await client.connect();
  });
  afterAll(async () => {
    filter.mockRestore();
    await client.close();
    await app.close();
    await broker.close();
  });

  it('services still reply with the RpcException object unchanged (the gateway filter does not alter RPC errors)', async () => {
    filter.mockClear();
    await expect(firstValueFrom(client.send(PATTERN, { case: 'missing' }))).rejects.toEqual({
      code: 'ACCOUNT.NOT_FOUND',
      message: 'account user-1 not found',
    });
    await expect(firstValueFrom(client.send(PATTERN, { case: 'bug' }))).rejects.toEqual({
      status: 'error',
      message: 'Internal server error',
    });
    // The filter did see these RPC errors (inherited global filter) and answered as Nest's RPC filter does.
    expect(filter.mock.calls.map(([, host]) => host.getType())).toEqual(['rpc', 'rpc']);
  });

  it('a success passes through', async () => {
    const res = await app.inject({ url: '/api/v2/bus-test/ok' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true });
  });

  it.each([
    ['missing', 404, [{ status: '404', title: 'not found' }]],
    [
      'taken',
      422,
      [
        {
          status: '422',
          title: 'invalid attribute',
          detail: 'Username has already been taken',
          code: 'UNIQUENESS.USERNAME_TAKEN',
          source: { pointer: '/data/attributes/username' },
        },
      ],
    ],
    [
      'forbidden',
      403,
      [
        {
          status: '403',
          title: 'forbidden',
          detail: 'Add another owner or delete the organization',
          code: 'MEMBERSHIP.LAST_OWNER_FORBIDDEN',
        },
      ],
    ],
    ['unwrapped', 500, [{ status: '500', title: 'internal server error' }]],
    ['bug', 500, [{ status: '500', title: 'internal server error' }]],
  ])('%s → %i', async (c, status, errors) => {
    const res = await app.inject({ url: `/api/v2/bus-test/${c}` });
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toBe('application/vnd.api+json');
    expect(res.json()).toEqual({ errors });
  });
});
