import { describeWithInfra, infraFlavor } from '@idp/testing';
import { useMongoTestDatabase } from './mongo-test-database';
import { describeReadStoreContract } from '../read-store.contract';
import { MongoReadStore, MongoReadStoreFactory } from './mongo-read.store';

describeWithInfra(['mongo'], 'MongoDB read store', (infra) => {
  const db = useMongoTestDatabase(() => infra().mongo!, 'read_store');

  describeReadStoreContract('mongo', async () => new MongoReadStoreFactory(db()), {
    // FerretDB 1.x evaluates an update's filter and writes in separate steps (see mongoCapabilities).
    atomicConcurrentWrites: !infraFlavor('mongo')?.startsWith('ferretdb'),
  });

  it('creates the declared indexes, and the search shadows are indexed', async () => {
    const store = (await new MongoReadStoreFactory(db(), { collectionPrefix: 'ix_' }).open({
      name: 'members',
      indexes: [{ orgId: 1, status: 1 }],
      searchable: ['email'],
    })) as MongoReadStore<{ id: string }>;
    const keys = (await db().db!.collection('ix_members').indexes()).map((i) => i.key);
    expect(keys).toEqual(expect.arrayContaining([{ 'd.orgId': 1, 'd.status': 1 }, { 's.email': 1 }]));
    expect(store.collectionName).toBe('ix_members');
  });
});
