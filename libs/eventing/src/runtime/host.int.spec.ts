import { Controller, Inject, type DynamicModule, Module, type OnModuleInit } from '@nestjs/common';
import { Ctx, EventPattern, type KafkaContext, MessagePattern, Payload } from '@nestjs/microservices';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { firstValueFrom, timeout } from 'rxjs';
import { describeWithInfra, uniqueName, distributedTestEnv, type DistributedTestEnv } from '@idp/testing';
import type { BusClient } from '../bus/bus-client';
import { loadInfraConfig } from '../config/infra-config';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port';
import { fromEventMessage } from '../relay/event-message';
import { BUS_CLIENT, startHost } from './host';
import {
  type HostedService,
  type ServiceInfrastructure,
  serviceInfrastructureProviders,
} from './service-infrastructure';

// One probe service, run by the same host code in embedded and distributed configurations: a request reaches its
// handler over the bus, the handler appends to the service's own store, and the relay brings the event back to
// the service's event handler. A handler cannot tell which transport delivered.
const received: Array<{ type: string; stream: string; key: string }> = [];

@Controller()
class ProbeHandlers {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @MessagePattern('probe.register')
  async register(@Payload() data: { name: string }) {
    const result = await this.store.append(
      `probe-${data.name}`,
      [{ type: 'ProbeRegistered', data }],
      'no_stream',
    );
    return { revision: result.nextExpectedRevision, position: result.position };
  }

  @EventPattern('probe.events')
  onEvent(@Payload() value: unknown, @Ctx() ctx: KafkaContext) {
    const event = fromEventMessage(JSON.stringify(value));
    received.push({ type: event.type, stream: event.stream, key: String(ctx.getMessage().key) });
  }
}

@Module({})
class ProbeModule implements OnModuleInit {
  constructor(@Inject(BUS_CLIENT) private readonly bus: BusClient) {}
  onModuleInit() {
    this.bus.subscribeToResponseOf('probe.register');
  }
  static register(infra: ServiceInfrastructure): DynamicModule {
    return {
      module: ProbeModule,
      controllers: [ProbeHandlers],
      providers: serviceInfrastructureProviders(infra),
    };
  }
}

const probe: HostedService = { name: 'probe', module: ProbeModule.register, topic: 'probe.events' };

const describeHostPipeline = (
  name: string,
  env: () => Promise<Record<string, string>>,
  cleanup: () => Promise<void> = async () => {},
) =>
  describe(name, () => {
    let app: NestFastifyApplication;
    beforeAll(async () => {
      received.length = 0;
      app = await startHost({
        process: 'probe-host',
        services: [probe],
        consumerGroup: uniqueName('probe'),
        config: loadInfraConfig({ PORT: '0', HOST: '127.0.0.1', ...(await env()) }),
      });
    }, 60_000);
    afterAll(async () => {
      await app?.close();
      await cleanup();
    });

    it('carries a request to the service and the resulting event back through the relay', async () => {
      const bus = app.get<BusClient>(BUS_CLIENT);
      const name = uniqueName('ada');
      const reply = await firstValueFrom(bus.send('probe.register', { name }).pipe(timeout(20_000)));
      expect(reply).toEqual({ revision: 0, position: expect.any(String) }); // bigint crossed as its decimal string
      const deadline = Date.now() + 20_000;
      while (!received.some((r) => r.stream === `probe-${name}`) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      expect(received.filter((r) => r.stream === `probe-${name}`)).toEqual([
        { type: 'ProbeRegistered', stream: `probe-${name}`, key: `probe-${name}` },
      ]);
    }, 60_000);

    it('reports each store, and the bus, in /readyz', async () => {
      const res = await app.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(200);
      expect(res.json().checks).toMatchObject({ 'event-store:probe': 'ok', bus: 'ok' });
    });
  });

describeHostPipeline(
  'host, embedded configuration (PGlite in memory, in-process bus, in-memory read models)',
  async () => ({
    EVENT_STORE_URL: 'pglite://memory',
  }),
);

describeWithInfra(['postgres', 'kafka', 'mongo'], 'host, distributed configuration', (infra) => {
  let deployment: DistributedTestEnv | undefined;
  describeHostPipeline(
    'PostgreSQL, Kafka, MongoDB',
    async () => (deployment = await distributedTestEnv(infra(), 'host')).env,
    async () => deployment?.cleanup(),
  );
});
