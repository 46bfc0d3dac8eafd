import { waitFor } from '@idp/testing';
import type { CheckpointStore } from '../event-store/checkpoint-store.port';
import { InMemoryCheckpointStore } from '../event-store/in-memory/in-memory-checkpoint-store';
import { InMemoryEventStore } from '../event-store/in-memory/in-memory-event-store';
import { NotifyingEventStore } from '../projection/notifying-event.store';
import type { RunnerLogger } from '../projection/tail-loop';
import { fromEventMessage } from './event-message';
import { EventRelay, publicTypes, type EventRelayOptions } from './event-relay';
import { InMemoryEventPublisher } from './in-memory/in-memory-event.publisher';

const TOPIC = 'identity.events';

describe('EventRelay', () => {
  let events: InMemoryEventStore;
  let publisher: InMemoryEventPublisher;
  let checkpoints: CheckpointStore;
  let logger: jest.Mocked<RunnerLogger>;
  const relays: EventRelay[] = [];

  beforeEach(() => {
    events = new InMemoryEventStore();
    publisher = new InMemoryEventPublisher();
    checkpoints = new InMemoryCheckpointStore();
    logger = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };
  });
  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.stop()));
  });

  const relay = (
    options: Partial<EventRelayOptions> = {},
    deps: Partial<{ checkpoints: CheckpointStore; events: NotifyingEventStore }> = {},
  ) => {
    const r = new EventRelay(
      { events: deps.events ?? events, publisher, checkpoints: deps.checkpoints ?? checkpoints, logger },
      { topic: TOPIC, pollIntervalMs: 60_000, maxDelayMs: 5, ...options },
    );
    relays.push(r);
    return r;
  };

  /** 12 events over 3 streams, interleaved. */
  const seed = async (count = 12) => {
    for (let i = 0; i < count; i++)
      await events.append(`account-${i % 3}`, [{ type: 'AccountChanged', data: { i } }], 'any');
  };

  const published = () => publisher.messages(TOPIC).map((m) => fromEventMessage(m.value));

  /** Every stored event arrived at least once, and per key the first deliveries are in revision order. */
  const expectNothingLostAndOrderedPerKey = async () => {
    const all = await events.readAll(0n, 10_000);
    const firstSeen = new Map<string, number>();
    published().forEach((e, i) => {
      if (!firstSeen.has(e.id)) firstSeen.set(e.id, i);
    });
    expect([...firstSeen.keys()].sort()).toEqual(all.map((e) => e.id).sort());
    for (const key of new Set(all.map((e) => e.stream))) {
      const revisions = published()
        .filter((e, i) => e.stream === key && firstSeen.get(e.id) === i)
        .map((e) => e.revision);
      expect(revisions).toEqual([...revisions].sort((x, y) => x - y));
    }
  };

  it('publishes every event to the topic keyed by stream, then checkpoints', async () => {
    await seed(5);
    const r = relay();
    await r.catchUp();
    const stored = await events.readAll();
    expect(published()).toEqual(stored);
    expect(publisher.messages(TOPIC).map((m) => m.key)).toEqual(stored.map((e) => e.stream));
    expect(await checkpoints.load(`relay:${TOPIC}`)).toBe(5n);
    expect(await r.status()).toMatchObject({ position: 5n, head: 5n, lag: 0n, publishedTotal: 5 });
  });

  it('loses nothing when killed mid-batch by a failing publish, and restarts from its checkpoint', async () => {
    await seed();
    publisher.failNext({ delivered: 2 }); // first batch: 2 of 4 messages reach the broker, then the process dies
    await expect(relay({ batchSize: 4 }).catchUp()).rejects.toThrow('broker unavailable');
    expect(publisher.messages(TOPIC)).toHaveLength(2);
    expect(await checkpoints.load(`relay:${TOPIC}`)).toBeUndefined();

    await relay({ batchSize: 4 }).catchUp(); // the restarted process
    expect(publisher.messages(TOPIC)).toHaveLength(2 + 12); // the 2 come again: duplicates, not loss
    await expectNothingLostAndOrderedPerKey();
  });

  it('loses nothing when stopped between publish and checkpoint', async () => {
    await seed();
    let killAt = 8n;
    const dying: CheckpointStore = {
      load: (n) => checkpoints.load(n),
      save: async (n, p) => {
        if (p === killAt) throw new Error('killed before checkpoint');
        await checkpoints.save(n, p);
      },
    };
    await expect(relay({ batchSize: 4 }, { checkpoints: dying }).catchUp()).rejects.toThrow('killed');
    expect(await checkpoints.load(`relay:${TOPIC}`)).toBe(4n);
    killAt = -1n;
    await relay({ batchSize: 4 }, { checkpoints: dying }).catchUp();
    expect(publisher.messages(TOPIC)).toHaveLength(8 + 8); // events 5..8 published twice
    await expectNothingLostAndOrderedPerKey();
  });

  it('keeps retrying a failing publisher while running, then delivers in order', async () => {
    await seed(6);
    publisher.failNext({ delivered: 1, times: 3 });
    const r = relay({ batchSize: 4, pollIntervalMs: 10 });
    await r.start();
    await waitFor(async () => (await r.status()).position === 6n, 2000);
    await expectNothingLostAndOrderedPerKey();
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringContaining('failing'),
      expect.objectContaining({ failures: 1 }),
    );
    expect(await r.status()).toMatchObject({ state: 'running', lastError: undefined });
  });

  it('resumes after a clean stop without publishing anything twice', async () => {
    await seed(5);
    await relay().catchUp();
    await seed(3);
    await relay().catchUp();
    const ids = published().map((e) => e.id);
    expect(ids).toHaveLength(8);
    expect(new Set(ids).size).toBe(8);
  });

  it('publishes only public events, mapped, and still advances over private ones', async () => {
    await events.append('account-1', [{ type: 'PasswordChanged', data: { hash: 'secret' } }], 'any');
    await events.append(
      'account-1',
      [{ type: 'AccountRegistered', data: { username: 'ada', hash: 'secret' } }],
      'any',
    );
    await events.append('account-1', [{ type: 'TwoFactorEnabled', data: {} }], 'any');
    const select = (e: Parameters<ReturnType<typeof publicTypes>>[0]) => {
      const pub = publicTypes('AccountRegistered')(e);
      return pub && { ...pub, data: { username: (pub.data as { username: string }).username } };
    };
    const r = relay({ select });
    await r.catchUp();
    expect(published().map((e) => [e.type, e.data])).toEqual([['AccountRegistered', { username: 'ada' }]]);
    expect((await r.status()).position).toBe(3n);
  });

  it('wakes on notify from the store decorator', async () => {
    const notifying = new NotifyingEventStore(events);
    const r = relay({}, { events: notifying });
    notifying.subscribe(r);
    await r.start();
    await notifying.append('account-1', [{ type: 'AccountRegistered', data: {} }], 'no_stream');
    await waitFor(() => publisher.messages(TOPIC).length === 1, 1000);
  });

  it('stops promptly while backing off from an outage, leaving the checkpoint before the batch', async () => {
    await seed(3);
    publisher.failNext({ times: 1_000 });
    const r = relay({ maxDelayMs: 60_000 });
    await r.start();
    await waitFor(async () => (await r.status()).state === 'failing', 2000);
    const started = Date.now();
    await r.stop();
    expect(Date.now() - started).toBeLessThan(500);
    expect(await checkpoints.load(`relay:${TOPIC}`)).toBeUndefined();
  });
});
