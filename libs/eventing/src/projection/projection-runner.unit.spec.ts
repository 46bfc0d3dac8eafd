import { waitFor } from '@idp/testing';
import { InMemoryCheckpointStore } from '../event-store/in-memory/in-memory-checkpoint-store';
import type { CheckpointStore } from '../event-store/checkpoint-store.port';
import type { Position } from '../event-store/event';
import { InMemoryEventStore } from '../event-store/in-memory/in-memory-event-store';
import { InMemoryReadStoreFactory } from '../read-store/in-memory/in-memory-read.store';
import { ReadStoreUnavailable } from '../read-store/read-store.errors';
import type { ReadModel } from '../read-store/read-store.port';
import { InMemoryParkedEventStore } from './in-memory/in-memory-parked-event.store';
import { NotifyingEventStore } from './notifying-event.store';
import { defineProjection } from './projection';
import { ProjectionRunner, type ProjectionRunnerOptions } from './projection-runner';
import type { RunnerLogger } from './tail-loop';

interface AccountView {
  id: string;
  username: string;
  email: string;
  logins: number;
}
const accountsModel: ReadModel<AccountView> = { name: 'accounts', searchable: ['username', 'email'] };

type Hook = (event: { type: string; data: unknown; position: Position }) => void;

/** Registered -> put, EmailChanged -> patch, LoggedIn -> update (a counter: double-applying would show), Deleted -> delete. */
const accountsProjection = (version = 1, hook: Hook = () => undefined) =>
  defineProjection({
    name: 'accounts',
    version,
    handles: ['AccountRegistered', 'EmailChanged', 'LoggedIn', 'AccountDeleted'],
    readModels: { accounts: accountsModel },
    async apply(event, { accounts }) {
      hook(event);
      const data = event.data as { id: string; username?: string; email?: string };
      switch (event.type) {
        case 'AccountRegistered':
          await accounts.put(
            { id: data.id, username: data.username!, email: data.email!, logins: 0 },
            event.position,
          );
          break;
        case 'EmailChanged':
          await accounts.patch(data.id, { email: data.email! }, event.position);
          break;
        case 'LoggedIn':
          await accounts.update(data.id, event.position, (cur) => cur && { ...cur, logins: cur.logins + 1 });
          break;
        case 'AccountDeleted':
          await accounts.delete(data.id, event.position);
          break;
      }
    },
  });

describe('ProjectionRunner', () => {
  let events: InMemoryEventStore;
  let readStores: InMemoryReadStoreFactory;
  let checkpoints: CheckpointStore;
  let parked: InMemoryParkedEventStore;
  let logger: jest.Mocked<RunnerLogger>;
  const runners: ProjectionRunner[] = [];

  beforeEach(() => {
    events = new InMemoryEventStore();
    readStores = new InMemoryReadStoreFactory();
    checkpoints = new InMemoryCheckpointStore();
    parked = new InMemoryParkedEventStore();
    logger = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };
  });
  afterEach(async () => {
    await Promise.all(runners.splice(0).map((r) => r.stop()));
  });

  const runner = (
    projection = accountsProjection(),
    options: ProjectionRunnerOptions = {},
    deps: Partial<{ checkpoints: CheckpointStore; events: InMemoryEventStore | NotifyingEventStore }> = {},
  ) => {
    const r = new ProjectionRunner(
      projection,
      {
        events: deps.events ?? events,
        readStores,
        checkpoints: deps.checkpoints ?? checkpoints,
        parked,
        logger,
      },
      { pollIntervalMs: 60_000, retryDelayMs: 1, maxDelayMs: 5, ...options },
    );
    runners.push(r as ProjectionRunner);
    return r;
  };
  const accounts = () => readStores.open(accountsModel);

  const register = (id: string, username = id) =>
    events.append(
      `account-${id}`,
      [{ type: 'AccountRegistered', data: { id, username, email: `${id}@x.io` } }],
      'any',
    );
  const act = (id: string, type: string, data: object = {}) =>
    events.append(`account-${id}`, [{ type, data: { id, ...data } }], 'any');

  const seedHistory = async () => {
    await register('ada');
    await register('bob');
    await act('ada', 'LoggedIn');
    await act('ada', 'EmailChanged', { email: 'ada@new.io' });
    await act('bob', 'Unrelated');
    await act('ada', 'LoggedIn');
    await act('bob', 'AccountDeleted');
    await register('cy');
  };

  it('applies events in global order and reports position, head, lag', async () => {
    await seedHistory();
    const r = runner();
    await r.catchUp();
    expect(await (await accounts()).find()).toEqual([
      { id: 'ada', username: 'ada', email: 'ada@new.io', logins: 2 },
      { id: 'cy', username: 'cy', email: 'cy@x.io', logins: 0 },
    ]);
    expect(await r.status()).toMatchObject({
      name: 'accounts',
      position: 8n,
      head: 8n,
      lag: 0n,
      parked: 0,
      state: 'stopped',
    });
    await act('cy', 'LoggedIn');
    expect((await r.status()).lag).toBe(1n);
  });

  it('reads in batches and saves the checkpoint after each', async () => {
    for (let i = 0; i < 10; i++) await register(`u${i}`);
    const saved: Position[] = [];
    const spy: CheckpointStore = {
      load: (n) => checkpoints.load(n),
      save: async (n, p) => {
        if (n.endsWith(':position')) saved.push(p);
        await checkpoints.save(n, p);
      },
    };
    await runner(accountsProjection(), { batchSize: 3 }, { checkpoints: spy }).catchUp();
    expect(saved).toEqual([3n, 6n, 9n, 10n]);
    expect(await (await accounts()).count()).toBe(10);
  });

  it('never saves a checkpoint ahead of the writes it covers', async () => {
    for (let i = 0; i < 7; i++) await register(`u${i}`);
    const store = await accounts();
    const spy: CheckpointStore = {
      load: (n) => checkpoints.load(n),
      save: async (n, p) => {
        // every event up to p must already be visible in the read model
        if (n.endsWith(':position')) expect(await store.count()).toBe(Number(p));
        await checkpoints.save(n, p);
      },
    };
    await runner(accountsProjection(), { batchSize: 2 }, { checkpoints: spy }).catchUp();
    expect(await store.count()).toBe(7);
  });

  it('changes nothing when a batch is re-delivered after a crash before its checkpoint', async () => {
    await seedHistory();
    let crashAt: Position | undefined = 4n;
    const crashing: CheckpointStore = {
      load: (n) => checkpoints.load(n),
      save: async (n, p) => {
        if (p === crashAt && n.endsWith(':position')) throw new Error('process killed before the checkpoint');
        await checkpoints.save(n, p);
      },
    };
    // batch 1 (both registrations) is checkpointed; batch 2 (a login, an email change) is applied, then the crash
    await expect(
      runner(accountsProjection(), { batchSize: 2 }, { checkpoints: crashing }).catchUp(),
    ).rejects.toThrow('killed');
    const afterCrash = await (await accounts()).find();
    expect(afterCrash.find((a) => a.id === 'ada')).toMatchObject({ logins: 1, email: 'ada@new.io' });

    crashAt = undefined;
    const applied: string[] = [];
    await runner(
      accountsProjection(1, (e) => applied.push(e.type)),
      { batchSize: 2 },
      { checkpoints: crashing },
    ).catchUp();
    expect(applied.slice(0, 2)).toEqual(['LoggedIn', 'EmailChanged']); // batch 2 came again...
    const ada = (await (await accounts()).get('ada'))!;
    expect(ada.logins).toBe(2); // ...and counted once: 2 logins in the history, not 3
    expect(await (await accounts()).find()).toEqual(await rebuiltFromScratch());
  });

  /** The documents a fresh projection builds from the whole history, for comparison. */
  const rebuiltFromScratch = async () => {
    const fresh = new InMemoryReadStoreFactory();
    const r = new ProjectionRunner(accountsProjection(), {
      events,
      readStores: fresh,
      checkpoints: new InMemoryCheckpointStore(),
      parked,
      logger,
    });
    await r.catchUp();
    return (await fresh.open(accountsModel)).find();
  };

  it('wakes on notify() long before its poll interval', async () => {
    const notifying = new NotifyingEventStore(events);
    const r = runner(accountsProjection(), { pollIntervalMs: 60_000 }, { events: notifying });
    notifying.subscribe(r);
    await r.start();
    await notifying.append(
      'account-ada',
      [{ type: 'AccountRegistered', data: { id: 'ada', username: 'ada', email: 'a@x.io' } }],
      'any',
    );
    const started = Date.now();
    await waitFor(async () => (await (await accounts()).get('ada')) !== undefined, 1000);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('finds new events by polling when nobody notifies', async () => {
    const r = runner(accountsProjection(), { pollIntervalMs: 20 });
    await r.start();
    await register('ada');
    await waitFor(async () => (await (await accounts()).get('ada')) !== undefined, 1000);
    expect((await r.status()).state).toBe('running');
  });

  it('rebuilds from zero to the same documents', async () => {
    await seedHistory();
    const r = runner();
    await r.catchUp();
    const before = await (await accounts()).find();
    const buildBefore = (await r.status()).build;
    await (await accounts()).put({ id: 'junk', username: 'junk', email: '', logins: 0 }, 10_000n); // drift
    await r.rebuild();
    expect(await (await accounts()).find()).toEqual(before);
    expect((await r.status()).build).toBe(buildBefore + 1n);
    expect((await r.status()).position).toBe(8n);
  });

  it('rebuilds at start when the projection version changes, and only then', async () => {
    await seedHistory();
    await runner(accountsProjection(1)).catchUp();
    const applied: string[] = [];
    const countingV1 = runner(accountsProjection(1, (e) => applied.push(e.type)));
    await countingV1.start();
    await countingV1.stop();
    expect(applied).toEqual([]); // same version: resumes from its checkpoint

    const v2 = defineProjection({
      ...accountsProjection(2),
      async apply(event, { accounts: store }) {
        if (event.type !== 'AccountRegistered') return;
        const data = event.data as AccountView;
        await store.put(
          { id: data.id, username: data.username.toUpperCase(), email: data.email, logins: -1 },
          event.position,
        );
      },
    });
    const r2 = runner(v2);
    await r2.start();
    await waitFor(async () => (await r2.status()).lag === 0n, 2000);
    expect((await (await accounts()).find()).map((a) => [a.id, a.username, a.logins])).toEqual([
      ['ada', 'ADA', -1],
      ['bob', 'BOB', -1],
      ['cy', 'CY', -1],
    ]);
    expect(logger.info).toHaveBeenCalledWith(expect.stringContaining('version changed'), { from: 1, to: 2 });
  });

  it('clears the read model again when a build crashed before its first checkpoint', async () => {
    await register('ada');
    await checkpoints.save('projection:accounts:build', 4n);
    await checkpoints.save('projection:accounts:build:4:version', 1n);
    await (await accounts()).put({ id: 'half-built', username: 'x', email: 'x', logins: 0 }, 99n);
    await runner().catchUp();
    expect((await (await accounts()).find()).map((a) => a.id)).toEqual(['ada']);
  });

  it('retries a failing event with back-off, then parks it, counts it, logs once and goes on', async () => {
    await register('ada');
    await register('poison');
    await register('cy');
    let attempts = 0;
    const r = runner(
      accountsProjection(1, (e) => {
        if ((e.data as { id: string }).id === 'poison') {
          attempts++;
          throw Object.assign(new Error('cannot project'), { code: 'TEST.BROKEN' });
        }
      }),
      { maxAttempts: 4 },
    );
    await r.catchUp();
    expect(attempts).toBe(4);
    expect((await (await accounts()).find()).map((a) => a.id)).toEqual(['ada', 'cy']);
    const [p, ...rest] = await parked.list('accounts');
    expect(rest).toEqual([]);
    expect(p).toMatchObject({
      consumer: 'accounts',
      type: 'AccountRegistered',
      stream: 'account-poison',
      position: 2n,
      attempts: 4,
      error: 'TEST.BROKEN: cannot project',
    });
    expect(p!.eventId).toBe((await events.readAll(1n, 1))[0]!.id);
    expect(await r.status()).toMatchObject({ parked: 1, parkedTotal: 1, position: 3n });
    expect(logger.error).toHaveBeenCalledTimes(1);
  });

  it('does not park an event that succeeds within its retries', async () => {
    await register('ada');
    let failures = 2;
    const r = runner(
      accountsProjection(1, () => {
        if (failures-- > 0) throw new Error('flaky');
      }),
      { maxAttempts: 3 },
    );
    await r.catchUp();
    expect(await (await accounts()).get('ada')).toBeDefined();
    expect(await parked.count()).toBe(0);
  });

  it('waits out an outage instead of parking, then carries on', async () => {
    await register('ada');
    let down = true;
    const r = runner(
      accountsProjection(1, () => {
        if (down) throw new ReadStoreUnavailable('mongo is down');
      }),
      { maxAttempts: 1 },
    );
    await r.start();
    await waitFor(async () => (await r.status()).state === 'failing', 2000);
    expect((await r.status()).lastError).toBe('READ_STORE.UNAVAILABLE: mongo is down');
    expect(await parked.count()).toBe(0);
    down = false;
    await waitFor(async () => (await (await accounts()).get('ada')) !== undefined, 2000);
    await waitFor(async () => (await r.status()).state === 'running', 2000);
    expect((await r.status()).lastError).toBeUndefined();
  });

  it('abandons retries on stop without parking or passing the event, and retries it after restart', async () => {
    await register('ada');
    await register('bob');
    let fail = true;
    let seen = 0;
    const projection = accountsProjection(1, (e) => {
      if ((e.data as { id: string }).id !== 'bob' || !fail) return;
      seen++;
      throw new Error('still broken');
    });
    const r = runner(projection, { maxAttempts: 1_000, retryDelayMs: 20, maxDelayMs: 20 });
    await r.start();
    await waitFor(() => seen > 1, 2000);
    await r.stop();
    expect(await parked.count()).toBe(0);
    expect((await r.status()).position).toBe(1n); // ada applied and checkpointed, bob not passed

    fail = false;
    const again = runner(projection);
    await again.catchUp();
    expect(await (await accounts()).get('bob')).toBeDefined();
  });

  it('advances the checkpoint over events it does not handle', async () => {
    await act('x', 'Unrelated');
    await act('x', 'AlsoUnrelated');
    const applied: string[] = [];
    const r = runner(accountsProjection(1, (e) => applied.push(e.type)));
    await r.catchUp();
    expect(applied).toEqual([]);
    expect((await r.status()).position).toBe(2n);
  });

  it('resumes from its checkpoint in a new runner', async () => {
    await register('ada');
    await runner().catchUp();
    await register('bob');
    const applied: string[] = [];
    await runner(accountsProjection(1, (e) => applied.push((e.data as { id: string }).id))).catchUp();
    expect(applied).toEqual(['bob']);
  });
});
