import { InMemoryEventStore } from '../event-store/in-memory/in-memory-event-store';
import { ReservationStreamGuard } from './reservation-stream.guard';
import { describeUniquenessGuardContract } from './uniqueness-guard.contract';

describeUniquenessGuardContract('reservation streams on the in-memory store', async () => {
  const store = new InMemoryEventStore();
  return { guard: new ReservationStreamGuard(store), close: () => store.close() };
});
