import { InMemoryEventStore } from '../event-store/in-memory/in-memory-event-store';
import { EVENT_HEADERS, fromEventMessage, InvalidEventMessage, toEventMessage } from './event-message';

describe('event message mapping', () => {
  it('maps a recorded event to key = stream, JSON value with string position, and headers', async () => {
    const store = new InMemoryEventStore(() => new Date('2030-01-02T03:04:05.678Z'));
    await store.append(
      'account-42',
      [
        {
          type: 'AccountRegistered',
          data: { username: 'ada', note: 'Straße 😀' },
          schemaVersion: 2,
          metadata: {
            correlationId: 'corr-1',
            causationId: 'cause-1',
            traceparent: '00-abc-def-01',
            actor: { kind: 'user', id: 'u1' },
          },
        },
      ],
      'no_stream',
    );
    const [event] = await store.readAll();
    const message = toEventMessage({ ...event!, position: 2n ** 63n - 1n });
    expect(message.key).toBe('account-42');
    expect(message.headers).toEqual({
      [EVENT_HEADERS.id]: event!.id,
      [EVENT_HEADERS.type]: 'AccountRegistered',
      [EVENT_HEADERS.schemaVersion]: '2',
      [EVENT_HEADERS.correlationId]: 'corr-1',
      [EVENT_HEADERS.causationId]: 'cause-1',
      [EVENT_HEADERS.traceparent]: '00-abc-def-01',
      [EVENT_HEADERS.contentType]: 'application/json',
    });
    expect(JSON.parse(message.value)).toMatchObject({
      position: '9223372036854775807',
      occurredAt: '2030-01-02T03:04:05.678Z',
      revision: 0,
    });
    expect(fromEventMessage(Buffer.from(message.value))).toEqual({ ...event!, position: 2n ** 63n - 1n });
  });

  it('omits absent optional headers', async () => {
    const store = new InMemoryEventStore();
    await store.append('s-1', [{ type: 'X', data: {} }], 'any');
    const message = toEventMessage((await store.readAll())[0]!);
    expect(Object.keys(message.headers).sort()).toEqual([
      'content-type',
      'event-id',
      'event-type',
      'schema-version',
    ]);
  });

  it('refuses values that are not event envelopes', () => {
    for (const bad of [
      'nope',
      '{}',
      '{"id":"1","type":"X","stream":"s","position":"-1","occurredAt":"2030-01-01","revision":0,"schemaVersion":1}',
    ])
      expect(() => fromEventMessage(bad)).toThrow(InvalidEventMessage);
  });
});
