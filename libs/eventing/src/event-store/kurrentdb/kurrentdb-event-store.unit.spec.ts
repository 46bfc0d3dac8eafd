import { describeEventStoreContract } from '../event-store.contract';
import { EventStoreUnavailable } from '../errors';
import { KurrentDBEventStore, openKurrentDBEventStore } from './kurrentdb-event-store';
import { simulatedKurrentDBClient } from './simulated-kurrentdb-client';

// The adapter's own logic through the whole contract, on a simulated server (see its caveats); the int spec runs
// the same contract against a real server when one is reachable.
describeEventStoreContract(
  'KurrentDB adapter on a simulated server',
  async () => new KurrentDBEventStore(simulatedKurrentDBClient()),
  {
    largePayloadBytes: 1_000_000,
  },
);

describe('openKurrentDBEventStore without a server', () => {
  it('fails with EventStoreUnavailable naming the server, password redacted', async () => {
    const err = await openKurrentDBEventStore({
      url: 'kurrentdb://admin:s3cret@127.0.0.1:1?tls=false&defaultDeadline=2000',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EventStoreUnavailable);
    expect((err as Error).message).toContain('127.0.0.1:1');
    expect((err as Error).message).not.toContain('s3cret');
  }, 30_000);
});
