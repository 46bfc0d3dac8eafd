import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { describeCheckpointStoreContract } from '../checkpoint-store.contract';
import { describeEventStoreContract } from '../event-store.contract';
import { ReservationStreamGuard } from '../../uniqueness/reservation-stream.guard';
import { describeUniquenessGuardContract } from '../../uniqueness/uniqueness-guard.contract';
import { describePostgresDialectStore } from '../postgres/postgres-dialect.contract';
import { openPGliteEventStore } from './pglite-event-store';
import { PGliteExecutor } from './pglite-executor';

// One PGlite per file (creating one costs seconds); each suite gets its own schema in it.
let shared: Promise<PGlite> | undefined;
const db = () => (shared ??= PGlite.create('memory://'));
afterAll(async () => {
  if (shared) await (await shared).close();
});

describeEventStoreContract('PGlite', async () =>
  openPGliteEventStore({ db: await db(), schema: 'contract' }),
);
describeCheckpointStoreContract(
  'PGlite',
  async () => (await openPGliteEventStore({ db: await db(), schema: 'checkpoints' })).checkpoints,
);
describeUniquenessGuardContract('reservation streams on PGlite', async () => {
  const store = await openPGliteEventStore({ db: await db(), schema: 'uniqueness' });
  return { guard: new ReservationStreamGuard(store), close: async () => {} };
});
describePostgresDialectStore('PGlite', {
  executor: async () => new PGliteExecutor(await db(), false),
  open: async (schema) => openPGliteEventStore({ db: await db(), schema }),
});

describe('PGlite persisted to a folder', () => {
  it('keeps events and checkpoints across a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pglite-store-'));
    try {
      const dataDir = join(dir, 'nested', 'event-store');
      const first = await openPGliteEventStore({ dataDir });
      await first.append(
        'account-1',
        [{ type: 'AccountRegistered', data: { username: 'ada' } }],
        'no_stream',
      );
      await first.checkpoints.save('relay', 1n);
      await first.close();

      const second = await openPGliteEventStore({ dataDir });
      expect((await second.readStream('account-1')).map((e) => e.data)).toEqual([{ username: 'ada' }]);
      expect(await second.checkpoints.load('relay')).toBe(1n);
      expect((await second.append('account-1', [{ type: 'EmailVerified', data: {} }], 0)).position).toBe(2n);
      await second.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
