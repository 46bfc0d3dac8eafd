import { describeProcessedEventStoreContract } from '../processed-event.store.contract';
import { InMemoryProcessedEventStore } from './in-memory-processed-event.store';

describeProcessedEventStoreContract('in-memory', async () => new InMemoryProcessedEventStore());
