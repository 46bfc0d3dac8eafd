import { Controller, type INestMicroservice, type Type } from '@nestjs/common';
import {
  Ctx,
  EventPattern,
  type KafkaContext,
  MessagePattern,
  type MicroserviceOptions,
  Payload,
  RpcException,
} from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { lastValueFrom, timeout } from 'rxjs';
import type { BusClient } from './bus-client';
import { busRecord } from './bus-record';

/** A transport under test. Names must be unique per call: suites may share a broker with other runs. */
export interface BusUnderTest {
  /** Options of a microservice consuming in `groupId`; a fresh strategy per call. */
  serverOptions(groupId: string): MicroserviceOptions;
  /** A client that has subscribed to the replies of `requestPatterns` and is not connected yet. */
  client(requestPatterns: string[]): BusClient;
  /** Creates the topics with `partitions` partitions before a test uses them. */
  createTopics(topics: string[], partitions: number): Promise<void>;
  uniqueName(prefix: string): string;
  /** Upper bound for one delivery or reply to arrive; tests wait for conditions, never sleep this long. */
  deliveryTimeoutMs: number;
  close(): Promise<void>;
}

interface Ev {
  key: string;
  seq: number;
  [field: string]: unknown;
}

type EventFn = (data: Ev, ctx: KafkaContext) => unknown;

// Handler classes are built per test because decorators need the test's unique topic name.
const eventHandler = (topic: string, fn: EventFn): Type => {
  @Controller()
  class EventHandler {
    @EventPattern(topic)
    handle(@Payload() data: Ev, @Ctx() ctx: KafkaContext) {
      return fn(data, ctx);
    }
  }
  return EventHandler;
};

const requestHandler = (topic: string, fn: (data: unknown, ctx: KafkaContext) => unknown): Type => {
  @Controller()
  class RequestHandler {
    @MessagePattern(topic)
    handle(@Payload() data: unknown, @Ctx() ctx: KafkaContext) {
      return fn(data, ctx);
    }
  }
  return RequestHandler;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

/**
 * The one contract both bus transports pass, unchanged: request-reply, fan-out to groups, per-key order,
 * redelivery after a failed or interrupted handler, and work sharing inside a group. Every test runs real
 * Nest microservices (`@MessagePattern` / `@EventPattern` controllers) on fresh topics and groups.
 * Set BUS_TEST_LOGS=1 to see Nest and kafkajs logs (off: the tests fail handlers on purpose).
 */
export const describeBusContract = (
  name: string,
  factory: () => BusUnderTest | Promise<BusUnderTest>,
): void =>
  describe(`Bus contract: ${name}`, () => {
    let bus: BusUnderTest;
    let open: Array<{ close(): Promise<unknown> | unknown }> = [];
    let wait: number;

    beforeAll(async () => {
      bus = await factory();
      wait = bus.deliveryTimeoutMs;
    });
    afterEach(async () => {
      for (const closable of open.reverse()) await closable.close();
      open = [];
    });
    afterAll(async () => bus?.close());

    const startServer = async (groupId: string, ...controllers: Type[]): Promise<INestMicroservice> => {
      const moduleRef = await Test.createTestingModule({ controllers }).compile();
      const app = moduleRef.createNestMicroservice({
        ...bus.serverOptions(groupId),
        logger: process.env.BUS_TEST_LOGS ? ['log', 'warn', 'error'] : false,
      });
      open.push(app);
      await app.listen();
      return app;
    };

    const connectClient = async (requestPatterns: string[] = []): Promise<BusClient> => {
      const client = bus.client(requestPatterns);
      open.push(client);
      await client.connect();
      return client;
    };

    const topicWith = async (prefix: string, partitions = 3) => {
      const topic = bus.uniqueName(prefix);
      await bus.createTopics([topic], partitions);
      return topic;
    };

    const request = <T>(client: BusClient, topic: string, data: unknown) =>
      lastValueFrom(client.send<T>(topic, data).pipe(timeout(wait)));
    const emit = (client: BusClient, topic: string, data: unknown) =>
      lastValueFrom(client.emit(topic, data), { defaultValue: undefined });

    const waitFor = async (what: string, condition: () => boolean, ms = wait) => {
      const deadline = Date.now() + ms;
      while (!condition()) {
        if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
        await sleep(10);
      }
    };

    /** Publishes `count` events round-robin over `keys`, each key's events in sequence, keys concurrently. */
    const publish = async (client: BusClient, topic: string, keys: string[], count: number) => {
      const chains = keys.map(async (key, k) => {
        for (let seq = k; seq < count; seq += keys.length)
          await emit(client, topic, busRecord(key, { key, seq }));
      });
      await Promise.all(chains);
    };

    const byKey = (events: Ev[]) => {
      const map = new Map<string, number[]>();
      for (const e of events) map.set(e.key, [...(map.get(e.key) ?? []), e.seq]);
      return map;
    };
    const expectedByKey = (keys: string[], count: number) =>
      new Map(
        keys.map((key, k) => [
          key,
          Array.from({ length: Math.ceil((count - k) / keys.length) }, (_, i) => k + i * keys.length),
        ]),
      );
    const firstOccurrences = (events: Ev[]) =>
      events.filter((e, i) => events.findIndex((x) => x.seq === e.seq) === i);

    it('request-reply returns the handler value, and a handler error comes back as an error', async () => {
      const topic = await topicWith('rr');
      await startServer(
        bus.uniqueName('g'),
        requestHandler(topic, (data) => {
          const { op, n } = data as { op: string; n: number };
          if (op === 'refuse') throw new RpcException({ code: 'BUS_TEST.REFUSED', message: 'refused' });
          if (op === 'crash') throw new Error('handler bug');
          return Promise.resolve({ doubled: n * 2 });
        }),
      );
      const client = await connectClient([topic]);

      await expect(request(client, topic, { op: 'double', n: 21 })).resolves.toEqual({ doubled: 42 });
      // RpcException's object travels as is; any other error is masked, exactly as Nest's Kafka transport does.
      await expect(request(client, topic, { op: 'refuse' })).rejects.toEqual({
        code: 'BUS_TEST.REFUSED',
        message: 'refused',
      });
      await expect(request(client, topic, { op: 'crash' })).rejects.toEqual({
        status: 'error',
        message: 'Internal server error',
      });
      await expect(request(client, topic, { op: 'double', n: 1 })).resolves.toEqual({ doubled: 2 });
    });

    it('never lets a group that starts later answer requests sent before it joined (events replay, requests do not)', async () => {
      const topic = await topicWith('stale');
      const client = await connectClient([topic]);
      // Nobody serves the topic yet: the request times out, its record stays in the topic.
      await expect(lastValueFrom(client.send(topic, { n: 1 }).pipe(timeout(300)))).rejects.toBeDefined();
      const seen: unknown[] = [];
      await startServer(
        bus.uniqueName('g'),
        requestHandler(topic, (data) => {
          seen.push(data);
          return Promise.resolve({ ok: true });
        }),
      );
      await expect(request(client, topic, { n: 2 })).resolves.toEqual({ ok: true });
      await sleep(300);
      expect(seen).toEqual([{ n: 2 }]);
    }, 30_000);

    it('payloads and replies cross as JSON: bigint as string, Date as ISO text, strings and numbers intact', async () => {
      const topic = await topicWith('json');
      let received: unknown;
      await startServer(
        bus.uniqueName('g'),
        requestHandler(topic, (data) => {
          received = data;
          return { echo: data, position: 2n ** 64n };
        }),
      );
      const client = await connectClient([topic]);
      const sent = {
        position: 12345678901234567890n,
        at: new Date(0),
        text: '[1]',
        n: 7,
        nested: { list: [1, 'two', null] },
      };

      const reply = await request<{ echo: unknown; position: unknown }>(client, topic, sent);

      const asJson = {
        position: '12345678901234567890',
        at: '1970-01-01T00:00:00.000Z',
        text: '[1]',
        n: 7,
        nested: { list: [1, 'two', null] },
      };
      expect(received).toEqual(asJson);
      expect(reply).toEqual({ echo: asJson, position: '18446744073709551616' });
      await expect(request(client, topic, '[1]')).resolves.toEqual({
        echo: '[1]',
        position: '18446744073709551616',
      });
      await expect(request(client, topic, 42)).resolves.toEqual({
        echo: 42,
        position: '18446744073709551616',
      });
    });

    it('fans an event out to every consumer group exactly once, each with its own copy, key and headers', async () => {
      const topic = await topicWith('fan');
      const seen: Record<'a' | 'b', Array<{ data: Ev; key: unknown; trace: unknown }>> = { a: [], b: [] };
      const recorder = (group: 'a' | 'b') =>
        eventHandler(topic, (data, ctx) => {
          const message = ctx.getMessage() as unknown as { key: unknown; headers: Record<string, unknown> };
          seen[group].push({
            data: structuredClone(data),
            key: message.key,
            trace: message.headers['x-trace'],
          });
          (data as { tags?: string[] }).tags?.push('mutated by ' + group);
        });
      await startServer(bus.uniqueName('ga'), recorder('a'));
      await startServer(bus.uniqueName('gb'), recorder('b'));
      const client = await connectClient();
      const original = { key: 'agg-1', seq: 1, tags: ['x'] };

      await emit(client, topic, busRecord('agg-1', original, { 'x-trace': 't-1' }));
      // Same key, so same partition: once a group saw the marker it has seen everything before it.
      await emit(client, topic, busRecord('agg-1', { key: 'agg-1', seq: 2 }));
      await waitFor(
        'the marker in both groups',
        () => seen.a.some((e) => e.data.seq === 2) && seen.b.some((e) => e.data.seq === 2),
      );

      for (const group of ['a', 'b'] as const) {
        expect(seen[group].map((e) => e.data.seq)).toEqual([1, 2]);
        expect(seen[group][0]).toEqual({
          data: { key: 'agg-1', seq: 1, tags: ['x'] },
          key: 'agg-1',
          trace: 't-1',
        });
      }
      expect(original.tags).toEqual(['x']);
    });

    it('gives a group that starts after events were published every retained event', async () => {
      const topic = await topicWith('late');
      const client = await connectClient();
      const keys = ['a', 'b', 'c'].map((k) => `${k}-${bus.uniqueName('key')}`);
      await publish(client, topic, keys, 9);
      const seen: Ev[] = [];

      await startServer(
        bus.uniqueName('g'),
        eventHandler(topic, (data) => void seen.push(data)),
      );
      await waitFor('9 events', () => seen.length >= 9);

      expect(byKey(seen)).toEqual(expectedByKey(keys, 9));
    });

    it('delivers 200 events over 5 keys in publish order per key', async () => {
      const topic = await topicWith('order');
      const seen: Ev[] = [];
      await startServer(
        bus.uniqueName('g'),
        eventHandler(topic, async (data) => {
          // Uneven handling time: an implementation that handles one partition concurrently reorders.
          if (data.seq % 7 === 0) await sleep(3);
          seen.push(data);
        }),
      );
      const client = await connectClient();
      const keys = ['k0', 'k1', 'k2', 'k3', 'k4'].map((k) => `${k}-${bus.uniqueName('key')}`);

      await publish(client, topic, keys, 200);
      await waitFor('200 events', () => seen.length >= 200);

      expect(byKey(seen)).toEqual(expectedByKey(keys, 200));
    });

    it('redelivers an event whose handler threw, in order, losing none', async () => {
      const topic = await topicWith('retry');
      const attempts = new Map<number, number>();
      const handled: Ev[] = [];
      await startServer(
        bus.uniqueName('g'),
        eventHandler(topic, (data) => {
          const attempt = (attempts.get(data.seq) ?? 0) + 1;
          attempts.set(data.seq, attempt);
          if (data.seq % 5 === 2 && attempt === 1) throw new Error(`transient failure on ${data.seq}`);
          handled.push(data);
        }),
      );
      const client = await connectClient();
      const keys = ['a', 'b'].map((k) => `${k}-${bus.uniqueName('key')}`);

      await publish(client, topic, keys, 20);
      await waitFor('all 20 events handled', () => new Set(handled.map((e) => e.seq)).size === 20);

      expect(byKey(firstOccurrences(handled))).toEqual(expectedByKey(keys, 20));
      for (const seq of [2, 7, 12, 17]) expect(attempts.get(seq)).toBeGreaterThanOrEqual(2);
    });

    it('redelivers the event a closing member was handling to the next member of its group', async () => {
      const topic = await topicWith('crash');
      const group = bus.uniqueName('g');
      const blocked = deferred();
      const crash = deferred();
      const handled: Array<Ev & { by: string }> = [];
      const member = (by: string) =>
        eventHandler(topic, async (data) => {
          if (data.seq === 3 && by === 'first') {
            blocked.resolve();
            await crash.promise;
            throw new Error('member crashed mid-handling');
          }
          handled.push({ ...data, by });
        });
      const first = await startServer(group, member('first'));
      const client = await connectClient();
      const keys = ['a', 'b', 'c'].map((k) => `${k}-${bus.uniqueName('key')}`);

      await publish(client, topic, keys, 12);
      await blocked.promise;
      const closing = first.close();
      crash.resolve();
      await closing;
      await startServer(group, member('second'));
      await waitFor('all 12 events handled', () => new Set(handled.map((e) => e.seq)).size === 12);

      expect(handled.filter((e) => e.seq === 3).map((e) => e.by)).toEqual(['second']);
      expect(byKey(firstOccurrences(handled))).toEqual(expectedByKey(keys, 12));
    });

    it('shares the work between two members of one group, each event handled once', async () => {
      const topic = await topicWith('share');
      const group = bus.uniqueName('g');
      const handled: Array<{ seq: number; by: string }> = [];
      const member = (by: string) => eventHandler(topic, (data) => void handled.push({ seq: data.seq, by }));
      await startServer(group, member('one'));
      await startServer(group, member('two'));
      const client = await connectClient();
      const keys = Array.from({ length: 30 }, (_, i) => `k${i}`);

      await publish(client, topic, keys, 60);
      await waitFor('60 events', () => handled.length >= 60);
      await sleep(300); // room for a duplicate to show up

      expect(handled.map((h) => h.seq).sort((x, y) => x - y)).toEqual(
        Array.from({ length: 60 }, (_, i) => i),
      );
      expect(new Set(handled.map((h) => h.by))).toEqual(new Set(['one', 'two']));
    });
  });
