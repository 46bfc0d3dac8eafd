import { Kafka, logLevel } from 'kafkajs';
import { eventsTopic } from '@idp/contracts';
import {
  ensureTopics,
  fromEventMessage,
  openPostgresEventStore,
  type PostgresEventStore,
} from '@idp/eventing';
import {
  distributedTestEnv,
  type DistributedTestEnv,
  describeWithInfra,
  freePort,
  startApp,
  uniqueName,
  waitReady,
  waitFor,
} from '@idp/testing';

// Distributed mode, as operators run it: the identity service as its own process on real PostgreSQL, Kafka and
// MongoDB (FerretDB here). Its relay must carry every event of its store to `identity.events`, across a crash.
describeWithInfra(['postgres', 'kafka', 'mongo'], 'identity service process (distributed)', (infra) => {
  let store: PostgresEventStore;
  let env: Record<string, string>;
  const received = new Map<string, number>();
  const leaked: string[] = [];
  const kafka = () =>
    new Kafka({ clientId: 'e2e', brokers: infra().kafka!.split(','), logLevel: logLevel.NOTHING });
  let consumer: ReturnType<Kafka['consumer']>;
  // Account streams, as the relay publishes only those (`select`: reservations, throttling and the IACT stay private).
  const streamPrefix = `account-${uniqueName('user-e2e')}`;
  let deployment: DistributedTestEnv | undefined;
  let topic: string;

  beforeAll(async () => {
    deployment = await distributedTestEnv(infra(), 'identity_e2e');
    env = deployment.env;
    topic = `${env.KAFKA_TOPIC_PREFIX}${eventsTopic('identity')}`;
    store = await openPostgresEventStore({ url: env.EVENT_STORE_URL!, schema: 'identity' });
    // On a fresh broker the topic may not exist yet: subscribing to an auto-created topic races its leader election.
    await ensureTopics(infra().kafka!.split(','), [topic], 3);
    consumer = kafka().consumer({ groupId: uniqueName('e2e-observer') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const event = fromEventMessage(message.value!.toString());
        if (!event.stream.startsWith(streamPrefix)) return;
        received.set(event.id, (received.get(event.id) ?? 0) + 1);
        if (JSON.stringify(event.data).includes('passwordHash')) leaked.push(event.id);
      },
    });
  }, 60_000);

  afterAll(async () => {
    await consumer?.disconnect();
    await store?.close();
    await deployment?.cleanup();
  });

  it('relays its store to identity.events, and after a crash (SIGKILL) loses nothing', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const ids: string[] = [];
    const append = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const stream = `${streamPrefix}-${ids.length}`;
        const userId = stream.slice('account-'.length);
        const registered = {
          userId,
          username: userId,
          email: `${userId}@example.com`,
          passwordHash: '$argon2id$not-a-real-hash',
          emailConfirmed: true,
          registeredAt: new Date().toISOString(),
        };
        await store.append(stream, [{ type: 'AccountRegistered', data: registered }], 'no_stream');
        ids.push((await store.readStream(stream))[0]!.id);
      }
    };

    await append(20);
    let p = startApp('identity', { ...env, PORT: String(port) });
    await waitReady(url, p, 60_000);
    await waitFor(() => ids.every((id) => received.has(id)), 20_000, 100, 'every event relayed');

    await p.crash();
    await append(30); // written while the service is down
    p = startApp('identity', { ...env, PORT: String(port) });
    try {
      await waitReady(url, p, 60_000);
      await waitFor(() => ids.every((id) => received.has(id)), 20_000, 100, 'every event relayed');
      expect(received.size).toBe(50);
      expect(leaked).toEqual([]); // relayed as integration events: never a password hash
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(/relay_lag_events\{topic="identity.events",service="identity"\} 0/);
    } finally {
      p.child.kill('SIGTERM');
    }
    expect(await p.exited).toBe(0);
  }, 90_000);

  it.each([
    [
      'without MONGO_URL',
      { MONGO_URL: undefined },
      /^identity: configuration error: MONGO_URL: is required in distributed mode$/m,
    ],
    [
      'without EVENT_STORE_URL',
      { EVENT_STORE_URL: undefined },
      /^identity: configuration error: EVENT_STORE_URL: is required in distributed mode$/m,
    ],
    [
      'with an unreachable broker',
      { KAFKA_BROKERS: '127.0.0.1:1' },
      /^identity: configuration error: KAFKA_BROKERS: 127\.0\.0\.1:1 is unreachable/m,
    ],
  ])(
    'refuses to start half-configured: %s',
    async (_title, override, message) => {
      const p = startApp('identity', { ...env, PORT: '0', ...override });
      expect(await p.exited).toBe(78);
      expect(p.output()).toMatch(message);
    },
    30_000,
  );
});
