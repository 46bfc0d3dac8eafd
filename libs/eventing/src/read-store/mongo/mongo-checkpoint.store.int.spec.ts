import { describeWithInfra, uniqueName } from '@idp/testing';
import { useMongoTestDatabase } from './mongo-test-database';
import { describeCheckpointStoreContract } from '../../event-store/checkpoint-store.contract';
import { MongoCheckpointStore } from './mongo-checkpoint.store';

describeWithInfra(['mongo'], 'MongoCheckpointStore', (infra) => {
  const db = useMongoTestDatabase(() => infra().mongo!, 'checkpoints');
  let store: MongoCheckpointStore;

  beforeAll(() => {
    store = new MongoCheckpointStore(db());
  });

  describeCheckpointStoreContract('MongoDB', async () => new MongoCheckpointStore(db(), uniqueName('cp')));

  it('keeps checkpoints in the database, beside the read models', async () => {
    await store.save('relay:x', 7n);
    expect(await new MongoCheckpointStore(db()).load('relay:x')).toBe(7n);
  });
});
