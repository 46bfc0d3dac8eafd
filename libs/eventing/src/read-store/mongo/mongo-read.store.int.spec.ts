import { describeWithInfra, infraFlavor, uniqueName } from '@idp/testing';
import type { Connection } from 'mongoose';
import { describeReadStoreContract } from '../read-store.contract';
import { connectMongo } from './mongo-connection';
import { MongoReadStore, MongoReadStoreFactory } from './mongo-read.store';

describeWithInfra(['mongo'], 'MongoDB read store', (infra) => {
  const dbName = uniqueName('read_store');
  let connection: Connection;

  beforeAll(async () => {
    connection = await connectMongo(infra().mongo!, { dbName });
  });
  afterAll(async () => {
    await connection?.dropDatabase();
    await connection?.close();
  });

  describeReadStoreContract('mongo', async () => new MongoReadStoreFactory(connection), {
    // FerretDB 1.x evaluates an update's filter and writes in separate steps (see mongoCapabilities).
    atomicConcurrentWrites: !infraFlavor('mongo')?.startsWith('ferretdb'),
  });

  it('creates the declared indexes, and the search shadows are indexed', async () => {
    const store = (await new MongoReadStoreFactory(connection, { collectionPrefix: 'ix_' }).open({
      name: 'members',
      indexes: [{ orgId: 1, status: 1 }],
      searchable: ['email'],
    })) as MongoReadStore<{ id: string }>;
    const keys = (await connection.db!.collection('ix_members').indexes()).map((i) => i.key);
    expect(keys).toEqual(expect.arrayContaining([{ 'd.orgId': 1, 'd.status': 1 }, { 's.email': 1 }]));
    expect(store.collectionName).toBe('ix_members');
  });
});
