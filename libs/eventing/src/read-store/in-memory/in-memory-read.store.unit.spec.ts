import { describeReadStoreContract } from '../read-store.contract';
import { InMemoryReadStoreFactory } from './in-memory-read.store';

describeReadStoreContract('in-memory', async () => new InMemoryReadStoreFactory());
