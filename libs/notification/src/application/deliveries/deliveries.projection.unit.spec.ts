import {
  InMemoryCheckpointStore,
  InMemoryEventStore,
  InMemoryParkedEventStore,
  InMemoryReadStoreFactory,
  ProjectionRunner,
  type RecordedEvent,
} from '@idp/eventing';
import type { DeliveryEvent } from '../../domain/delivery/delivery.decider';
import { deliveriesModel, deliveriesProjection } from './deliveries.projection';

const requested = (eventId: string, attempt: number): DeliveryEvent => ({
  type: 'DeliveryRequested',
  data: {
    eventId,
    eventType: 'PasswordChanged',
    template: 'password-changed',
    userId: 'user-1',
    to: 'ada@example.com',
    attempt,
    reason: attempt === 1 ? 'first' : 'retry',
    leaseUntil: '2025-03-01T09:05:00.000Z',
    requestedAt: '2025-03-01T09:00:00.000Z',
  },
});
const transient = { code: 'MAIL.TRANSIENT', message: 'greylisted', smtpCode: 451 };

describe('deliveries projection', () => {
  const setup = async () => {
    const events = new InMemoryEventStore();
    await events.append('delivery-a', [requested('a', 1)], 'no_stream');
    await events.append(
      'delivery-a',
      [
        { type: 'DeliveryFailedTransiently', data: { attempt: 1, error: transient, failedAt: 'x' } },
        requested('a', 2),
        {
          type: 'DeliverySucceeded',
          data: {
            attempt: 2,
            messageId: '<m@localhost>',
            duplicate: false,
            sentAt: '2025-03-01T09:01:00.000Z',
          },
        },
      ],
      0,
    );
    await events.append(
      'delivery-b',
      [
        requested('b', 1),
        {
          type: 'DeliveryFailedPermanently',
          data: {
            attempt: 1,
            error: { code: 'MAIL.PERMANENT', message: 'no such user', smtpCode: 550 },
            failedAt: 'y',
          },
        },
      ],
      'no_stream',
    );
    await events.append('delivery-c', [requested('c', 1)], 'no_stream');
    await events.append('unrelated-1', [{ type: 'SomethingElse', data: {} }], 'no_stream');
    const readStores = new InMemoryReadStoreFactory();
    const runner = new ProjectionRunner(deliveriesProjection, {
      events,
      readStores,
      checkpoints: new InMemoryCheckpointStore(),
      parked: new InMemoryParkedEventStore(),
      logger: { info: () => {}, warn: () => {}, error: () => {} },
    });
    await runner.start();
    await runner.catchUp();
    return { events, runner, deliveries: await readStores.open(deliveriesModel) };
  };

  it('keeps the latest status of each delivery, and the last failure after a success', async () => {
    const { runner, deliveries } = await setup();
    expect(await deliveries.get('a')).toMatchObject({
      status: 'sent',
      attempts: 2,
      messageId: '<m@localhost>',
      sentAt: '2025-03-01T09:01:00.000Z',
      lastError: transient,
    });
    expect(await deliveries.get('b')).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: { smtpCode: 550 },
    });
    expect(await deliveries.get('c')).toMatchObject({ status: 'sending', attempts: 1, lastError: null });
    expect(await deliveries.countBy('status')).toEqual({ sent: 1, failed: 1, sending: 1 });
    await runner.stop();
  });

  it('changes nothing when events are applied twice, and a rebuild gives the same documents', async () => {
    const { events, runner, deliveries } = await setup();
    const before = await deliveries.find({});
    const all: RecordedEvent[] = await events.readAll();
    const stores = { deliveries };
    for (const event of all)
      if (deliveriesProjection.handles.includes(event.type)) await deliveriesProjection.apply(event, stores);
    expect(await deliveries.find({})).toEqual(before);
    await runner.rebuild();
    expect(await deliveries.find({})).toEqual(before);
    await runner.stop();
  });
});
