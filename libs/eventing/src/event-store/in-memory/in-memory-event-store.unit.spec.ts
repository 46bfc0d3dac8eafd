import { describeCheckpointStoreContract } from '../checkpoint-store.contract';
import { describeEventStoreContract } from '../event-store.contract';
import { InMemoryCheckpointStore } from './in-memory-checkpoint-store';
import { InMemoryEventStore } from './in-memory-event-store';

describeEventStoreContract('in-memory', async () => new InMemoryEventStore());
describeCheckpointStoreContract('in-memory', async () => new InMemoryCheckpointStore());
