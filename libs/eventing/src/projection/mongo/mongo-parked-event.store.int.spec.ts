import { describeWithInfra } from '@idp/testing';
import { useMongoTestDatabase } from '../../read-store/mongo/mongo-test-database';
import { describeParkedEventStoreContract } from '../parked-event.store.contract';
import { MongoParkedEventStore } from './mongo-parked-event.store';

describeWithInfra(['mongo'], 'MongoParkedEventStore', (infra) => {
  const db = useMongoTestDatabase(() => infra().mongo!, 'parked');

  describeParkedEventStoreContract('mongo', async () => new MongoParkedEventStore(db()));
});
