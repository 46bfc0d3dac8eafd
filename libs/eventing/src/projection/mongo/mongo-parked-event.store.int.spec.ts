import { describeWithInfra, uniqueName } from '@idp/testing';
import type { Connection } from 'mongoose';
import { connectMongo } from '../../read-store/mongo/mongo-connection';
import { describeParkedEventStoreContract } from '../parked-event.store.contract';
import { MongoParkedEventStore } from './mongo-parked-event.store';

describeWithInfra(['mongo'], 'MongoParkedEventStore', (infra) => {
  const dbName = uniqueName('parked');
  let connection: Connection;
  beforeAll(async () => {
    connection = await connectMongo(infra().mongo!, { dbName });
  });
  afterAll(async () => {
    await connection?.dropDatabase();
    await connection?.close();
  });

  describeParkedEventStoreContract('mongo', async () => new MongoParkedEventStore(connection));
});
