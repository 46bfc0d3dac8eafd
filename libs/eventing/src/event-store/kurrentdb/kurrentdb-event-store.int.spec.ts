import { describeWithInfra } from '@idp/testing';
import { describeEventStoreContract } from '../event-store.contract';
import { openKurrentDBEventStore } from './kurrentdb-event-store';
import { ReservationStreamGuard } from '../../uniqueness/reservation-stream.guard';
import { describeUniquenessGuardContract } from '../../uniqueness/uniqueness-guard.contract';

// The server may be shared with other suites: the contract only looks at its own streams.
describeWithInfra(['eventstore'], 'KurrentDBEventStore', (infra) => {
  describeEventStoreContract('KurrentDB', () => openKurrentDBEventStore({ url: infra().eventstore! }), {
    // The server refuses appends above MaxAppendSize (1 MiB by default), our envelope included.
    largePayloadBytes: 1_000_000,
  });
  describeUniquenessGuardContract('reservation streams on KurrentDB', async () => {
    const store = await openKurrentDBEventStore({ url: infra().eventstore! });
    return { guard: new ReservationStreamGuard(store), close: () => store.close() };
  });
});
