import { describeWithInfra } from '@idp/testing';
import { useMongoTestDatabase } from '../../read-store/mongo/mongo-test-database';
import { describeProcessedEventStoreContract } from '../processed-event.store.contract';
import { ProcessedEvents } from '../processed-events';
import { MongoProcessedEventStore } from './mongo-processed-event.store';

describeWithInfra(['mongo'], 'MongoProcessedEventStore', (infra) => {
  const db = useMongoTestDatabase(() => infra().mongo!, 'processed');

  describeProcessedEventStoreContract('mongo', async () => new MongoProcessedEventStore(db()));

  it('lets exactly one of many concurrent deliveries run the handler', async () => {
    const store = new MongoProcessedEventStore(db());
    let runs = 0;
    const deliver = () =>
      new ProcessedEvents(store, { consumer: 'race' })
        .once({ id: 'e1', stream: 's', revision: 0 }, async () => {
          runs++;
        })
        .catch((err: { code?: string }) => err.code);
    const outcomes = await Promise.all(Array.from({ length: 8 }, deliver));
    expect(runs).toBe(1);
    expect(outcomes.filter((o) => o === true)).toHaveLength(1);
    expect(outcomes.every((o) => o === true || o === false || o === 'PROCESSED_EVENTS.IN_PROGRESS')).toBe(
      true,
    );
  });
});
