import { randomBytes } from 'node:crypto';
import { InvalidAppend } from '../errors';
import { MIGRATIONS, migrate, quoteSchema } from './migrations';
import type { PostgresEventStore } from './postgres-event-store';
import type { SqlExecutor } from './sql-executor';

/**
 * What the PostgreSQL-dialect stores promise beyond the `EventStore` contract (migrations, dense positions,
 * unique event ids), run against PostgreSQL and PGlite alike. Each test uses a fresh schema.
 */
export const describePostgresDialectStore = (
  name: string,
  setup: {
    /** A raw executor on the same database (closed by the suite). */
    executor: () => Promise<SqlExecutor>;
    /** A store on `schema` of the same database. */
    open: (schema: string) => Promise<PostgresEventStore>;
  },
): void =>
  describe(`PostgreSQL-dialect store: ${name}`, () => {
    const run = randomBytes(3).toString('hex');
    let seq = 0;
    const freshSchema = () => `s_${run}_${seq++}`;
    let db: SqlExecutor;
    const stores: PostgresEventStore[] = [];
    const open = async (schema: string) => {
      const store = await setup.open(schema);
      stores.push(store);
      return store;
    };
    beforeAll(async () => {
      db = await setup.executor();
    }, 60_000);
    afterAll(async () => {
      await Promise.all(stores.map((s) => s.close()));
      await db?.close();
    });

    it('migrates a schema exactly once, even when several starters race, and records each version', async () => {
      const schema = freshSchema();
      const applied = await Promise.all([1, 2, 3, 4].map(() => migrate(db, schema)));
      expect(applied.flat().sort()).toEqual(MIGRATIONS.map((m) => m.version));
      expect(await migrate(db, schema)).toEqual([]);
      const rows = await db.query<{ version: number }>(
        `SELECT version FROM ${quoteSchema(schema)}.schema_migrations ORDER BY version`,
      );
      expect(rows.map((r) => Number(r.version))).toEqual(MIGRATIONS.map((m) => m.version));
      const store = await open(schema); // opening migrates too: nothing left to do
      expect(await store.headPosition()).toBeUndefined();
    });

    it('hands out dense positions from 1 in commit order, and keeps schemas apart', async () => {
      const [a, b] = [await open(freshSchema()), await open(freshSchema())];
      await Promise.all(
        ['x', 'y', 'z'].map(async (s) => {
          for (let i = 0; i < 5; i++)
            await a.append(
              s,
              [
                { type: 'T', data: { i } },
                { type: 'T', data: { i } },
              ],
              'any',
            );
        }),
      );
      expect((await a.readAll()).map((e) => e.position)).toEqual(
        Array.from({ length: 30 }, (_, i) => BigInt(i + 1)),
      );
      expect(await a.headPosition()).toBe(30n);
      expect(await b.readAll()).toEqual([]);
      expect(await b.readStream('x')).toEqual([]);
    });

    it('refuses an event id that already exists and writes nothing of that append', async () => {
      const store = await open(freshSchema());
      const id = '0189f7c1-0000-7000-8000-0000000000aa';
      await store.append('first', [{ type: 'T', data: {}, id }], 'no_stream');
      await expect(
        store.append(
          'second',
          [
            { type: 'T', data: {} },
            { type: 'T', data: {}, id: id.toUpperCase() },
          ],
          'no_stream',
        ),
      ).rejects.toBeInstanceOf(InvalidAppend);
      expect(await store.readStream('second')).toEqual([]);
      expect((await store.append('second', [{ type: 'T', data: {} }], 'no_stream')).position).toBe(2n);
    });

    it('keeps checkpoints in the same schema, with the store', async () => {
      const schema = freshSchema();
      const store = await open(schema);
      await store.checkpoints.save('relay', 12n);
      const [row] = await db.query<{ position: string }>(
        `SELECT position::text AS position FROM ${quoteSchema(schema)}.checkpoints WHERE name = 'relay'`,
      );
      expect(row?.position).toBe('12');
    });
  });
