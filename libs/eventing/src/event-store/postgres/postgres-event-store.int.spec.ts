import { createPostgresDatabase, describeWithInfra } from '@idp/testing';
import { describeCheckpointStoreContract } from '../checkpoint-store.contract';
import { describeEventStoreContract } from '../event-store.contract';
import { ReservationStreamGuard } from '../../uniqueness/reservation-stream.guard';
import { describeUniquenessGuardContract } from '../../uniqueness/uniqueness-guard.contract';
import { describePostgresDialectStore } from './postgres-dialect.contract';
import { openPostgresEventStore } from './postgres-event-store';
import { PgExecutor } from './pg-executor';

describeWithInfra(['postgres'], 'PostgresEventStore', (infra) => {
  let database: Awaited<ReturnType<typeof createPostgresDatabase>>;
  beforeAll(async () => {
    database = await createPostgresDatabase(infra().postgres!, 'event_store');
  });
  afterAll(async () => {
    await database?.drop();
  });
  const url = () => database.url;

  // poolSize above the contract's concurrency (8 writers + a reader) so conflicts are decided by the database.
  describeEventStoreContract('PostgreSQL', () =>
    openPostgresEventStore({ url: url(), schema: 'contract', poolSize: 12 }),
  );
  describeCheckpointStoreContract(
    'PostgreSQL',
    async () => (await openPostgresEventStore({ url: url(), schema: 'checkpoints' })).checkpoints,
  );
  describeUniquenessGuardContract('reservation streams on PostgreSQL', async () => {
    const store = await openPostgresEventStore({ url: url(), schema: 'uniqueness', poolSize: 12 });
    return { guard: new ReservationStreamGuard(store), close: () => store.close() };
  });
  describePostgresDialectStore('PostgreSQL', {
    executor: async () => new PgExecutor({ connectionString: url(), max: 6 }),
    open: (schema) => openPostgresEventStore({ url: url(), schema, poolSize: 4 }),
  });
});
