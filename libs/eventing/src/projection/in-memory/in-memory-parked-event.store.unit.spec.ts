import { describeParkedEventStoreContract } from '../parked-event.store.contract';
import { InMemoryParkedEventStore } from './in-memory-parked-event.store';

describeParkedEventStoreContract('in-memory', async () => new InMemoryParkedEventStore());
