import { Controller, type INestMicroservice } from '@nestjs/common';
import { Ctx, EventPattern, type KafkaContext, Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { uniqueName } from '@idp/testing';
import { lastValueFrom } from 'rxjs';
import { fromEventMessage, toEventMessage } from '../../relay/event-message';
import { BusEventPublisher } from '../bus-event.publisher';
import { BusClosed, InvalidTopicName } from '../bus.errors';
import { describeBusContract } from '../bus.contract';
import { busRecord } from '../bus-record';
import { InProcessBroker } from './in-process.broker';
import { InProcessBusClient } from './in-process-bus.client';
import { InProcessBusServer } from './in-process-bus.server';
import { inProcessServerOptions } from './in-process-bus.options';

const fastBroker = () =>
  new InProcessBroker({ retryInitialMs: 10, retryMaxMs: 100, rebalanceTimeoutMs: 2_000 });

describeBusContract('in-process', () => {
  const broker = fastBroker();
  return {
    serverOptions: (groupId) => inProcessServerOptions({ broker, groupId }),
    client: (patterns) => {
      const client = new InProcessBusClient({ broker });
      for (const pattern of patterns) client.subscribeToResponseOf(pattern);
      return client;
    },
    createTopics: async (topics, partitions) => topics.forEach((t) => broker.createTopic(t, partitions)),
    uniqueName,
    deliveryTimeoutMs: 5_000,
    close: () => broker.close(),
  };
});

describe('in-process bus specifics', () => {
  let broker: InProcessBroker;
  let open: Array<{ close(): unknown }> = [];

  beforeEach(() => {
    broker = fastBroker();
  });
  afterEach(async () => {
    for (const o of open.reverse()) await o.close();
    open = [];
    await broker.close();
  });

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  const consumer = async (
    groupId: string,
    topic: string,
    fn: (data: any, ctx: KafkaContext) => unknown,
    b = broker,
  ): Promise<INestMicroservice> => {
    @Controller()
    class Handler {
      @EventPattern(topic)
      handle(@Payload() data: unknown, @Ctx() ctx: KafkaContext) {
        return fn(data, ctx);
      }
    }
    const moduleRef = await Test.createTestingModule({ controllers: [Handler] }).compile();
    const app = moduleRef.createNestMicroservice({
      ...inProcessServerOptions({ broker: b, groupId }),
      logger: false,
    });
    open.push(app);
    await app.listen();
    return app;
  };

  const client = (options: Partial<ConstructorParameters<typeof InProcessBusClient>[0]> = {}) => {
    const c = new InProcessBusClient({ broker, ...options });
    open.push(c);
    return c;
  };

  it("emit with ack 'handled' resolves only once every subscribed group handled the event", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const handled: string[] = [];
    await consumer('fast', 'topic-a', () => void handled.push('fast'));
    await consumer('slow', 'topic-a', async () => {
      await gate;
      handled.push('slow');
    });
    const publisher = client();

    let done = false;
    const emitted = lastValueFrom(publisher.emit('topic-a', { n: 1 }, { ack: 'handled' })).then(
      () => (done = true),
    );
    await sleep(50);
    expect(handled).toEqual(['fast']);
    expect(done).toBe(false);

    release();
    await emitted;
    expect(handled.sort()).toEqual(['fast', 'slow']);
    // The default is Kafka's: accepted, whoever handled it.
    await expect(lastValueFrom(client().emit('topic-a', { n: 2 }))).resolves.toEqual([
      expect.objectContaining({ topicName: 'topic-a', errorCode: 0 }),
    ]);
  });

  it("a client's emitAck 'handled' applies to emitBatch and waits for a redelivered event", async () => {
    let failures = 1;
    const handled: number[] = [];
    await consumer('g', 'topic-b', (data: { n: number }) => {
      if (data.n === 2 && failures-- > 0) throw new Error('transient');
      handled.push(data.n);
    });

    await lastValueFrom(
      client({ emitAck: 'handled' }).emitBatch('topic-b', {
        messages: [1, 2, 3].map((n) => busRecord('k', { n })),
      }),
    );

    expect(handled).toEqual([1, 2, 3]);
  });

  it("rejects pending 'handled' emits with BusClosed when the broker closes, and refuses new ones", async () => {
    broker = new InProcessBroker({ rebalanceTimeoutMs: 50 });
    await consumer('stuck', 'topic-c', () => new Promise(() => undefined));
    const publisher = client();
    const pending = expect(
      lastValueFrom(publisher.emit('topic-c', { n: 1 }, { ack: 'handled' })),
    ).rejects.toBeInstanceOf(BusClosed);
    await sleep(20);

    await broker.close();

    await pending;
    await expect(lastValueFrom(publisher.emit('topic-c', { n: 2 }))).rejects.toBeInstanceOf(BusClosed);
  });

  it('hands the record of a member that hangs past the rebalance timeout to the next member', async () => {
    broker = new InProcessBroker({ rebalanceTimeoutMs: 100, retryInitialMs: 10 });
    const handledBy: string[] = [];
    const hung = await consumer('g', 'topic-d', () => new Promise(() => undefined));
    await lastValueFrom(client().emit('topic-d', busRecord('k', { n: 1 })));
    await sleep(20);

    const started = Date.now();
    await hung.close();
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    await consumer('g', 'topic-d', () => void handledBy.push('next'));
    await sleep(50);

    expect(handledBy).toEqual(['next']);
    expect(broker.describe('g', 'topic-d').committed?.reduce((a, b) => a + b)).toBe(1);
  });

  it('a new group starts at the earliest retained record; records every group committed are released', async () => {
    const publisher = client();
    for (let n = 0; n < 5; n++) await lastValueFrom(publisher.emit('topic-e', busRecord('same-key', { n })));
    const early: number[] = [];
    await consumer('early', 'topic-e', (d: { n: number }) => void early.push(d.n));
    await sleep(30);
    expect(early).toEqual([0, 1, 2, 3, 4]);

    const { committed, end } = broker.describe('early', 'topic-e');
    expect(committed).toEqual(end);
    const late: number[] = [];
    await consumer('late', 'topic-e', (d: { n: number }) => void late.push(d.n));
    await lastValueFrom(publisher.emit('topic-e', busRecord('same-key', { n: 5 })));
    await sleep(30);
    // Everything "early" committed was released before "late" joined: it only sees what came after.
    expect(late).toEqual([5]);
  });

  it('routes a key to one partition (kafkajs murmur2) and spreads keyless records', async () => {
    const publisher = client();
    const partitionOf = async (data: unknown) =>
      (await lastValueFrom(publisher.emit<Array<{ partition: number }>>('topic-f', data)))[0]!.partition;
    const keyed = new Set(
      await Promise.all(Array.from({ length: 10 }, () => partitionOf(busRecord('stream-1', {})))),
    );
    const keyless = new Set(await Promise.all(Array.from({ length: 10 }, () => partitionOf({}))));

    expect(keyed.size).toBe(1);
    expect(keyless.size).toBe(3);
  });

  it('refuses what Kafka refuses: a request without subscribeToResponseOf, an illegal topic name', async () => {
    const c = client();
    await c.connect();
    await expect(lastValueFrom(c.send('topic-g', {}))).rejects.toThrow(
      /did not subscribe to the corresponding reply topic \(topic-g.reply\)/,
    );
    await expect(lastValueFrom(c.emit('no spaces allowed', {}))).rejects.toBeInstanceOf(InvalidTopicName);
  });

  it("carries the relay's messages: JSON value as is, key = stream, headers", async () => {
    const got: Array<{ payload: unknown; decoded: unknown; key: unknown }> = [];
    await consumer('g', 'identity.events', (payload, ctx) => {
      const message = ctx.getMessage();
      got.push({ payload, decoded: fromEventMessage(message.value as Buffer), key: message.key });
    });
    const event = {
      id: '0190a000-0000-7000-8000-000000000001',
      type: 'AccountRegistered',
      data: { username: 'ada' },
      schemaVersion: 1,
      metadata: { correlationId: 'c-1' },
      stream: 'account-1',
      revision: 0,
      position: 9007199254740993n,
      occurredAt: new Date('2026-01-02T03:04:05.000Z'),
    };

    await new BusEventPublisher(client({ emitAck: 'handled' })).publish('identity.events', [
      toEventMessage(event),
    ]);

    expect(got).toEqual([
      {
        payload: expect.objectContaining({
          type: 'AccountRegistered',
          position: '9007199254740993',
          data: { username: 'ada' },
        }),
        decoded: event,
        key: 'account-1',
      },
    ]);
  });

  it('finds the handler of a plain topic name directly, and of a JSON pattern as Nest does', () => {
    const server = new InProcessBusServer({ broker, groupId: 'g' });
    const plain = jest.fn();
    const json = jest.fn();
    server.addHandler('identity.get-account', plain);
    server.addHandler({ cmd: 'sum', v: 1 }, json);
    const route = jest.spyOn(
      server as unknown as { getRouteFromPattern(pattern: string): string },
      'getRouteFromPattern',
    );
    expect(server.getHandlerByPattern('identity.get-account')).toBe(plain);
    expect(route).not.toHaveBeenCalled(); // no JSON.parse of a name that is not JSON
    expect(server.getHandlerByPattern('{"v":1,"cmd":"sum"}')).toBe(json);
    expect(server.getHandlerByPattern('identity.unknown')).toBeNull();
  });
});
