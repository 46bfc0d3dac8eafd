import { describeWithInfra, uniqueName } from '@idp/testing';
import { describeCheckpointStoreContract } from '../../event-store/checkpoint-store.contract';
import type { Connection } from 'mongoose';
import { connectMongo } from './mongo-connection';
import { MongoCheckpointStore } from './mongo-checkpoint.store';

describeWithInfra(['mongo'], 'MongoCheckpointStore', (infra) => {
  const dbName = uniqueName('checkpoints');
  let connection: Connection;
  let store: MongoCheckpointStore;

  beforeAll(async () => {
    connection = await connectMongo(infra().mongo!, { dbName });
    store = new MongoCheckpointStore(connection);
  });
  afterAll(async () => {
    await connection?.dropDatabase();
    await connection?.close();
  });

  describeCheckpointStoreContract(
    'MongoDB',
    async () => new MongoCheckpointStore(connection, uniqueName('cp')),
  );

  it('keeps checkpoints in the database, beside the read models', async () => {
    await store.save('relay:x', 7n);
    expect(await new MongoCheckpointStore(connection).load('relay:x')).toBe(7n);
  });
});
