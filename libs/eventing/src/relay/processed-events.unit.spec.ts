import { InMemoryProcessedEventStore } from './in-memory/in-memory-processed-event.store';
import { EventInProgress, ProcessedEvents } from './processed-events';

describe('ProcessedEvents', () => {
  const event = { id: 'evt-1', stream: 'invitation-7', revision: 0 };
  let now: Date;
  const clock = { now: () => now };
  let store: InMemoryProcessedEventStore;
  let sent: string[];
  const sendEmail = async () => {
    sent.push('invitation email');
  };

  beforeEach(() => {
    now = new Date('2030-01-01T00:00:00Z');
    store = new InMemoryProcessedEventStore();
    sent = [];
  });

  it('runs the handler once: a redelivery changes nothing and sends no second email', async () => {
    const guard = new ProcessedEvents(store, { consumer: 'notification.invitations', clock });
    expect(await guard.once(event, sendEmail)).toBe(true);
    expect(await guard.once(event, sendEmail)).toBe(false);
    expect(
      await new ProcessedEvents(store, { consumer: 'notification.invitations', clock }).once(
        event,
        sendEmail,
      ),
    ).toBe(false);
    expect(sent).toHaveLength(1);
  });

  it('lets a failed handler run again on redelivery', async () => {
    const guard = new ProcessedEvents(store, { consumer: 'c', clock });
    await expect(guard.once(event, async () => Promise.reject(new Error('smtp down')))).rejects.toThrow(
      'smtp down',
    );
    expect(await guard.once(event, sendEmail)).toBe(true);
    expect(sent).toHaveLength(1);
  });

  it('refuses a concurrent second handler, and takes over after the lease of a dead one', async () => {
    const guard = new ProcessedEvents(store, { consumer: 'c', clock, leaseMs: 1000 });
    let finish!: () => void;
    const slow = guard.once(event, () => new Promise<void>((r) => (finish = r)));
    await new Promise((r) => setImmediate(r));
    await expect(guard.once(event, sendEmail)).rejects.toBeInstanceOf(EventInProgress);
    now = new Date(now.getTime() + 1000);
    expect(await guard.once(event, sendEmail)).toBe(true); // the first handler is presumed dead
    finish();
    expect(await slow).toBe(true);
    expect(sent).toHaveLength(1);
  });

  it('dedupes by stream and revision when asked, whatever the event id', async () => {
    const guard = new ProcessedEvents(store, { consumer: 'c', clock, keyBy: 'stream-revision' });
    expect(await guard.once(event, sendEmail)).toBe(true);
    expect(await guard.once({ ...event, id: 'evt-other' }, sendEmail)).toBe(false);
    expect(await guard.once({ ...event, revision: 1 }, sendEmail)).toBe(true);
    expect(sent).toHaveLength(2);
  });

  it('keeps consumers independent', async () => {
    await new ProcessedEvents(store, { consumer: 'mail', clock }).once(event, sendEmail);
    expect(
      await new ProcessedEvents(store, { consumer: 'audit', clock }).once(event, async () => undefined),
    ).toBe(true);
  });
});
