import {
  InMemoryCheckpointStore,
  InMemoryEventStore,
  InMemoryParkedEventStore,
  InMemoryReadStoreFactory,
  ProjectionRunner,
  type RecordedEvent,
} from '@idp/eventing';
import { publicTokenEvent } from '../token.module';
import type { SessionEvent } from '../domain/session/session.decider';
import { sessionsModel, sessionsProjection } from './sessions.projection';

const started = (n: number): SessionEvent => ({
  type: 'SessionStarted',
  data: {
    sessionId: `sess-${n}`,
    userId: 'user-1',
    tokenHash: String(n).repeat(64).slice(0, 64),
    startedAt: '2026-11-26T10:00:00.000Z',
    absoluteExpiresAt: '2026-11-26T22:00:00.000Z',
    ip: '203.0.113.7',
  },
});
const ended = (n: number): SessionEvent => ({
  type: 'SessionEnded',
  data: { sessionId: `sess-${n}`, userId: 'user-1', reason: 'logout', endedAt: '2026-11-26T11:00:00.000Z' },
});

describe('sessions projection', () => {
  const setup = async () => {
    const events = new InMemoryEventStore();
    const readStores = new InMemoryReadStoreFactory();
    const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const runner = new ProjectionRunner(sessionsProjection, {
      events,
      readStores,
      checkpoints: new InMemoryCheckpointStore(),
      parked: new InMemoryParkedEventStore(),
      logger: silent,
    });
    await events.append('session-sess-1', [started(1)], 'no_stream');
    await events.append('session-sess-2', [started(2)], 'no_stream');
    await events.append('session-sess-1', [ended(1)], 0);
    await runner.catchUp();
    return { events, runner, sessions: await readStores.open(sessionsModel) };
  };

  it('indexes live sessions by the hash of their secret and drops ended ones', async () => {
    const { sessions } = await setup();
    expect(await sessions.find()).toEqual([
      {
        id: '2'.repeat(64),
        sessionId: 'sess-2',
        userId: 'user-1',
        startedAt: '2026-11-26T10:00:00.000Z',
        absoluteExpiresAt: '2026-11-26T22:00:00.000Z',
        ip: '203.0.113.7',
        userAgent: null,
      },
    ]);
  });

  it('applied twice, nothing changes; a rebuild gives the same documents', async () => {
    const { events, sessions, runner } = await setup();
    const before = await sessions.find();
    for (const event of await events.readAll()) await sessionsProjection.apply(event, { sessions });
    expect(await sessions.find()).toEqual(before);
    await runner.rebuild();
    expect(await sessions.find()).toEqual(before);
  });

  it('publishes sessions on token.events without the hash, address or user agent', async () => {
    const { events } = await setup();
    const [start, , end] = (await events.readAll()).map((e) => publicTokenEvent(e) as RecordedEvent);
    expect(start!.data).toEqual({
      sessionId: 'sess-1',
      userId: 'user-1',
      startedAt: '2026-11-26T10:00:00.000Z',
      absoluteExpiresAt: '2026-11-26T22:00:00.000Z',
    });
    expect(end!.data).toEqual(ended(1).data);
    expect(publicTokenEvent({ ...start!, type: 'SomethingPrivate' })).toBeUndefined();
  });

  it('a pending two-factor session is marked until completed; the completion is published, idempotently applied', async () => {
    const { events, runner, sessions } = await setup();
    const pending: SessionEvent = {
      type: 'SessionStarted',
      data: {
        ...(started(3).data as Extract<SessionEvent, { type: 'SessionStarted' }>['data']),
        twoFactorPending: true,
      },
    };
    await events.append('session-sess-3', [pending], 'no_stream');
    await runner.catchUp();
    expect(await sessions.get('3'.repeat(64))).toMatchObject({ sessionId: 'sess-3', twoFactorPending: true });
    const completed: SessionEvent = {
      type: 'SessionTwoFactorCompleted',
      data: { sessionId: 'sess-3', userId: 'user-1', completedAt: '2026-11-26T10:00:30.000Z' },
    };
    await events.append('session-sess-3', [completed], 0);
    await runner.catchUp();
    const after = await sessions.get('3'.repeat(64));
    expect(after).toMatchObject({ sessionId: 'sess-3', twoFactorPending: false });
    for (const event of await events.readAll()) await sessionsProjection.apply(event, { sessions });
    expect(await sessions.get('3'.repeat(64))).toEqual(after);
    const published = (await events.readStream('session-sess-3')).map(
      (e) => publicTokenEvent(e) as RecordedEvent,
    );
    expect(published[1]!.data).toEqual({
      sessionId: 'sess-3',
      userId: 'user-1',
      completedAt: '2026-11-26T10:00:30.000Z',
    });
  });
});
