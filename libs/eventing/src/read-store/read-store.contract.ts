import { itWhen } from '@idp/testing';
import { InvalidReadQuery } from './read-store.errors';
import type { ReadModel, ReadStore, ReadStoreFactory } from './read-store.port';

/*
 * ONE contract for every ReadStore adapter. `open` gives a factory per test; model names are unique per
 * test, so adapters may share one database across tests.
 */

interface Person {
  id: string;
  name: string;
  email?: string;
  status?: string;
  age?: number | null;
  admin?: boolean;
  tags?: string[];
  org?: { id: string };
  aliases?: string[];
}

let counter = 0;
const peopleModel = (): ReadModel<Person> => ({
  name: `people_${process.pid}_${++counter}`,
  indexes: [{ status: 1, name: 1 }, { 'org.id': 1 }, { age: -1 }],
  searchable: ['name', 'email', 'aliases'],
});

const ids = (docs: Array<{ id: string }>) => docs.map((d) => d.id);

export interface ReadStoreContractOptions {
  /**
   * Whether concurrent conditional writes to ONE document are atomic (MongoDB, memory: yes; FerretDB 1.x:
   * no, see `mongoCapabilities`). When false, the concurrent-writer tests announce a skip: the adapter is then
   * only correct with one writer per document at a time, which the sequential tests cover.
   */
  atomicConcurrentWrites?: boolean;
}

export const describeReadStoreContract = (
  name: string,
  open: () => Promise<ReadStoreFactory>,
  options: ReadStoreContractOptions = {},
) =>
  describe(`ReadStore contract: ${name}`, () => {
    const itConcurrent = itWhen(
      options.atomicConcurrentWrites !== false,
      `${name}: conditional writes are not atomic on this server`,
    );
    let factory: ReadStoreFactory;
    let store: ReadStore<Person>;

    beforeEach(async () => {
      factory = await open();
      store = await factory.open(peopleModel());
    });
    afterEach(async () => {
      await store.drop();
      await factory.close();
    });

    const seed = async (people: Person[], position = 1n) => {
      for (const p of people) expect(await store.put(p, position)).toBe(true);
    };

    describe('documents', () => {
      it('gets nothing for an unknown id', async () => {
        expect(await store.get('nobody')).toBeUndefined();
      });

      it('puts and gets a JSON copy the caller cannot mutate', async () => {
        const ada: Person = { id: 'a', name: 'Ada', tags: ['x'], org: { id: 'o1' }, age: null };
        expect(await store.put(ada, 1n)).toBe(true);
        ada.name = 'changed after put';
        const got = await store.get('a');
        expect(got).toEqual({ id: 'a', name: 'Ada', tags: ['x'], org: { id: 'o1' }, age: null });
        got!.tags!.push('y');
        expect((await store.get('a'))!.tags).toEqual(['x']);
      });

      it('replaces the whole document on put and drops undefined properties', async () => {
        await store.put({ id: 'a', name: 'Ada', email: 'ada@x.io' }, 1n);
        await store.put({ id: 'a', name: 'Ada L', email: undefined }, 2n);
        expect(await store.get('a')).toEqual({ id: 'a', name: 'Ada L' });
      });

      it('patches top-level fields of a live document only', async () => {
        await store.put({ id: 'a', name: 'Ada', org: { id: 'o1' }, status: 'active' }, 1n);
        expect(await store.patch('a', { status: 'suspended', org: { id: 'o2' } }, 2n)).toBe(true);
        expect(await store.get('a')).toEqual({
          id: 'a',
          name: 'Ada',
          status: 'suspended',
          org: { id: 'o2' },
        });
        expect(await store.patch('ghost', { status: 'active' }, 3n)).toBe(false);
        expect(await store.get('ghost')).toBeUndefined();
      });

      it('clears a field with null in a patch', async () => {
        await store.put({ id: 'a', name: 'Ada', age: 36 }, 1n);
        await store.patch('a', { age: null }, 2n);
        expect(await store.get('a')).toEqual({ id: 'a', name: 'Ada', age: null });
      });

      it('deletes a document: gone from get, find and count', async () => {
        await seed([
          { id: 'a', name: 'Ada' },
          { id: 'b', name: 'Bob' },
        ]);
        expect(await store.delete('a', 2n)).toBe(true);
        expect(await store.get('a')).toBeUndefined();
        expect(ids(await store.find())).toEqual(['b']);
        expect(await store.count()).toBe(1);
        expect(await store.patch('a', { name: 'zombie' }, 3n)).toBe(false);
        expect(await store.get('a')).toBeUndefined();
      });

      it('updates read-modify-write, creating when absent', async () => {
        expect(await store.update('a', 1n, (cur) => ({ id: 'a', name: cur ? 'seen' : 'new', age: 1 }))).toBe(
          true,
        );
        expect(await store.update('a', 2n, (cur) => cur && { ...cur, age: cur.age! + 1 })).toBe(true);
        expect(await store.get('a')).toEqual({ id: 'a', name: 'new', age: 2 });
      });

      it('writes nothing, not even the position, when update returns undefined', async () => {
        await store.put({ id: 'a', name: 'Ada' }, 1n);
        expect(await store.update('a', 5n, () => undefined)).toBe(false);
        expect(await store.patch('a', { name: 'Ada 3' }, 3n)).toBe(true);
        expect((await store.get('a'))!.name).toBe('Ada 3');
      });

      it('refuses an update that changes the id, and documents that are not JSON', async () => {
        await store.put({ id: 'a', name: 'Ada' }, 1n);
        await expect(store.update('a', 2n, (cur) => ({ ...cur!, id: 'b' }))).rejects.toBeInstanceOf(
          InvalidReadQuery,
        );
        await expect(store.put({ id: 'c', name: 'C', $where: '1' } as never, 1n)).rejects.toBeInstanceOf(
          InvalidReadQuery,
        );
        await expect(store.put({ id: 'c', name: 'C', 'a.b': 1 } as never, 1n)).rejects.toBeInstanceOf(
          InvalidReadQuery,
        );
        await expect(store.put({ id: 'c', name: 'C', age: Infinity }, 1n)).rejects.toBeInstanceOf(
          InvalidReadQuery,
        );
        await expect(store.put({ name: 'no id' } as never, 1n)).rejects.toBeInstanceOf(InvalidReadQuery);
        await expect(store.put({ id: 'c', name: 'C' }, -1n)).rejects.toBeInstanceOf(InvalidReadQuery);
        expect(await store.count()).toBe(1);
      });
    });

    describe('guarded writes (idempotency)', () => {
      it('ignores a put at a stale or equal position', async () => {
        expect(await store.put({ id: 'a', name: 'v5' }, 5n)).toBe(true);
        expect(await store.put({ id: 'a', name: 'v3' }, 3n)).toBe(false);
        expect(await store.put({ id: 'a', name: 'v5 again' }, 5n)).toBe(false);
        expect((await store.get('a'))!.name).toBe('v5');
        expect(await store.put({ id: 'a', name: 'v6' }, 6n)).toBe(true);
        expect((await store.get('a'))!.name).toBe('v6');
      });

      it('ignores stale and equal patches, deletes and updates', async () => {
        await store.put({ id: 'a', name: 'Ada', status: 'active' }, 5n);
        expect(await store.patch('a', { status: 'old' }, 4n)).toBe(false);
        expect(await store.patch('a', { status: 'same' }, 5n)).toBe(false);
        expect(await store.delete('a', 5n)).toBe(false);
        const change = jest.fn((cur: Person | undefined) => cur && { ...cur, status: 'updated' });
        expect(await store.update('a', 5n, change)).toBe(false);
        expect(change).not.toHaveBeenCalled();
        expect(await store.get('a')).toEqual({ id: 'a', name: 'Ada', status: 'active' });
      });

      it('never resurrects a deleted document from an older event', async () => {
        await store.put({ id: 'a', name: 'Ada' }, 1n);
        await store.delete('a', 3n);
        expect(await store.put({ id: 'a', name: 'Ada' }, 1n)).toBe(false);
        expect(await store.put({ id: 'a', name: 'Ada' }, 2n)).toBe(false);
        expect(await store.update('a', 2n, () => ({ id: 'a', name: 'x' }))).toBe(false);
        expect(await store.get('a')).toBeUndefined();
        expect(await store.put({ id: 'a', name: 'Ada again' }, 4n)).toBe(true);
        expect((await store.get('a'))!.name).toBe('Ada again');
      });

      it('records a delete of an unknown id, so the older create replayed later stays deleted', async () => {
        expect(await store.delete('a', 7n)).toBe(true);
        expect(await store.put({ id: 'a', name: 'Ada' }, 6n)).toBe(false);
        expect(await store.count()).toBe(0);
      });

      it('guards patchWhere per document', async () => {
        await store.put({ id: 'a', name: 'A', status: 'active', org: { id: 'o1' } }, 2n);
        await store.put({ id: 'b', name: 'B', status: 'active', org: { id: 'o1' } }, 9n);
        await store.put({ id: 'c', name: 'C', status: 'active', org: { id: 'o2' } }, 2n);
        expect(await store.patchWhere({ where: { 'org.id': 'o1' } }, { status: 'frozen' }, 5n)).toBe(1);
        expect((await store.find({ sort: [['id', 'asc']] })).map((d) => d.status)).toEqual([
          'frozen',
          'active',
          'active',
        ]);
        expect(await store.patchWhere({ where: { 'org.id': 'o1' } }, { status: 'again' }, 5n)).toBe(0);
      });

      it('applies the same sequence of writes twice to the same documents', async () => {
        const replay = async () => {
          await store.put({ id: 'a', name: 'Ada', status: 'active' }, 1n);
          await store.put({ id: 'b', name: 'Bob', status: 'active' }, 2n);
          await store.patch('a', { status: 'suspended' }, 3n);
          await store.update('b', 4n, (cur) => cur && { ...cur, age: 40 });
          await store.delete('b', 5n);
          await store.put({ id: 'c', name: 'Cy' }, 6n);
          return store.find();
        };
        const first = await replay();
        expect(await replay()).toEqual(first);
        expect(first).toEqual([
          { id: 'a', name: 'Ada', status: 'suspended' },
          { id: 'c', name: 'Cy' },
        ]);
      });

      itConcurrent('converges on the highest position under concurrent writers', async () => {
        const positions = Array.from({ length: 30 }, (_, i) => BigInt(i + 1)).sort(() => Math.random() - 0.5);
        await Promise.all(positions.map((p) => store.put({ id: 'a', name: `v${p}` }, p)));
        expect((await store.get('a'))!.name).toBe('v30');
        await Promise.all(positions.map((p) => store.delete('b', p)));
        expect(await store.put({ id: 'b', name: 'late' }, 30n)).toBe(false);
      });

      itConcurrent(
        'counts each event once when several runners replay the same events concurrently',
        async () => {
          const runner = async () => {
            for (let p = 1n; p <= 15n; p++)
              await store.update('c', p, (cur) => ({ id: 'c', name: 'counter', age: (cur?.age ?? 0) + 1 }));
          };
          await Promise.all([runner(), runner(), runner()]);
          expect((await store.get('c'))!.age).toBe(15);
        },
      );

      it('keeps 64-bit positions exact (no rounding through number)', async () => {
        const big = 2n ** 60n;
        expect(await store.put({ id: 'a', name: 'big' }, big + 2n)).toBe(true);
        expect(await store.put({ id: 'a', name: 'one below' }, big + 1n)).toBe(false);
        expect(await store.put({ id: 'a', name: 'one above' }, big + 3n)).toBe(true);
        expect((await store.get('a'))!.name).toBe('one above');
      });
    });

    describe('queries', () => {
      const people: Person[] = [
        {
          id: 'p1',
          name: 'Ada Lovelace',
          email: 'ada@example.com',
          status: 'active',
          age: 36,
          admin: true,
          tags: ['math', 'poet'],
          org: { id: 'o1' },
        },
        {
          id: 'p2',
          name: 'Alan Turing',
          email: 'alan@example.org',
          status: 'active',
          age: 41,
          admin: false,
          tags: ['math'],
          org: { id: 'o1' },
        },
        {
          id: 'p3',
          name: 'Grace Hopper',
          email: 'grace@navy.mil',
          status: 'invited',
          age: 85,
          tags: [],
          org: { id: 'o2' },
        },
        {
          id: 'p4',
          name: 'Edsger Dijkstra',
          email: 'ewd@utexas.edu',
          status: 'suspended',
          age: null,
          org: { id: 'o2' },
        },
        {
          id: 'p5',
          name: 'Barbara Liskov',
          status: 'invited',
          age: 41,
          aliases: ['B. Liskov', 'Barbara Huberman'],
        },
      ];
      beforeEach(() => seed(people));

      it('finds by equality, AND of conditions, and $in', async () => {
        expect(ids(await store.find({ where: { status: 'active' } }))).toEqual(['p1', 'p2']);
        expect(ids(await store.find({ where: { status: 'invited', age: 41 } }))).toEqual(['p5']);
        expect(ids(await store.find({ where: { status: { $in: ['invited', 'suspended'] } } }))).toEqual([
          'p3',
          'p4',
          'p5',
        ]);
        expect(ids(await store.find({ where: { status: { $in: [] } } }))).toEqual([]);
        expect(ids(await store.find({ where: { admin: false } }))).toEqual(['p2']);
      });

      it('matches by id, by nested path, and treats a missing field as null', async () => {
        expect(ids(await store.find({ where: { id: { $in: ['p4', 'p2', 'nope'] } } }))).toEqual(['p2', 'p4']);
        expect(ids(await store.find({ where: { 'org.id': 'o2' } }))).toEqual(['p3', 'p4']);
        expect(ids(await store.find({ where: { age: null } }))).toEqual(['p4']);
        expect(ids(await store.find({ where: { email: null } }))).toEqual(['p5']);
        expect(ids(await store.find({ where: { 'org.id': { $in: [null, 'o1'] } } }))).toEqual([
          'p1',
          'p2',
          'p5',
        ]);
      });

      it('matches an array field when any element matches', async () => {
        expect(ids(await store.find({ where: { tags: 'math' } }))).toEqual(['p1', 'p2']);
        expect(ids(await store.find({ where: { tags: { $in: ['poet', 'none'] } } }))).toEqual(['p1']);
      });

      it('distinguishes types and case in equality', async () => {
        expect(await store.count({ where: { age: '41' } })).toBe(0);
        expect(await store.count({ where: { status: 'ACTIVE' } })).toBe(0);
        expect(await store.count({ where: { admin: 1 } })).toBe(0);
      });

      it('searches case-insensitively for a substring or a prefix on searchable fields', async () => {
        expect(ids(await store.find({ search: { text: 'LOVE', fields: ['name'] } }))).toEqual(['p1']);
        expect(ids(await store.find({ search: { text: 'a', fields: ['name'], mode: 'prefix' } }))).toEqual([
          'p1',
          'p2',
        ]);
        expect(ids(await store.find({ search: { text: 'love', fields: ['name'], mode: 'prefix' } }))).toEqual(
          [],
        );
        expect(ids(await store.find({ search: { text: '.org', fields: ['name', 'email'] } }))).toEqual([
          'p2',
        ]);
        expect(ids(await store.find({ search: { text: 'huber', fields: ['aliases'] } }))).toEqual(['p5']);
      });

      it('combines searches (AND) with conditions, and an empty text matches everything', async () => {
        const q = {
          where: { status: 'active' },
          search: [
            { text: 'a', fields: ['name'] },
            { text: 'example.COM', fields: ['email'] },
          ],
        };
        expect(ids(await store.find(q))).toEqual(['p1']);
        expect(await store.count({ search: { text: '  ', fields: ['name'] } })).toBe(5);
      });

      it('takes search text literally, never as a pattern', async () => {
        await store.put({ id: 'r1', name: 'a.c (x)+[y]*\\ ^$|?' }, 1n);
        await store.put({ id: 'r2', name: 'abc' }, 1n);
        expect(ids(await store.find({ search: { text: 'a.c', fields: ['name'] } }))).toEqual(['r1']);
        expect(ids(await store.find({ search: { text: '(x)+[y]*\\ ^$|?', fields: ['name'] } }))).toEqual([
          'r1',
        ]);
        expect(ids(await store.find({ search: { text: '.*', fields: ['name'] } }))).toEqual([]);
      });

      it('refuses unknown search fields and field paths that are not identifiers', async () => {
        await expect(store.find({ search: { text: 'x', fields: ['status'] } })).rejects.toBeInstanceOf(
          InvalidReadQuery,
        );
        await expect(store.find({ where: { $where: 'sleep(1)' } as never })).rejects.toBeInstanceOf(
          InvalidReadQuery,
        );
        await expect(store.find({ where: { status: { $ne: 'x' } } as never })).rejects.toBeInstanceOf(
          InvalidReadQuery,
        );
        await expect(store.find({ sort: [['name; drop', 'asc']] })).rejects.toBeInstanceOf(InvalidReadQuery);
        await expect(store.find({ skip: -1 })).rejects.toBeInstanceOf(InvalidReadQuery);
        await expect(store.find({ limit: 1.5 })).rejects.toBeInstanceOf(InvalidReadQuery);
        await expect(store.countBy('$status')).rejects.toBeInstanceOf(InvalidReadQuery);
      });

      it('sorts by fields, breaking ties by id, nulls and missing first', async () => {
        expect(ids(await store.find({ sort: [['name', 'asc']] }))).toEqual(['p1', 'p2', 'p5', 'p4', 'p3']);
        expect(ids(await store.find({ sort: [['name', 'desc']] }))).toEqual(['p3', 'p4', 'p5', 'p2', 'p1']);
        expect(ids(await store.find({ sort: [['age', 'desc']] }))).toEqual(['p3', 'p2', 'p5', 'p1', 'p4']);
        expect(ids(await store.find({ sort: [['age', 'asc']] }))).toEqual(['p4', 'p1', 'p2', 'p5', 'p3']);
        expect(
          ids(
            await store.find({
              sort: [
                ['status', 'asc'],
                ['age', 'desc'],
              ],
            }),
          ),
        ).toEqual(['p2', 'p1', 'p3', 'p5', 'p4']);
        expect(ids(await store.find({ sort: [['email', 'asc']] }))[0]).toBe('p5');
        expect(ids(await store.find({ sort: [['id', 'desc']] }))).toEqual(['p5', 'p4', 'p3', 'p2', 'p1']);
      });

      it('pages with skip and limit over a stable order', async () => {
        const all = ids(await store.find({ sort: [['age', 'asc']] }));
        const pages: string[] = [];
        for (let skip = 0; skip < 6; skip += 2)
          pages.push(...ids(await store.find({ sort: [['age', 'asc']], skip, limit: 2 })));
        expect(pages).toEqual(all);
        expect(await store.find({ limit: 0 })).toEqual([]);
        expect(ids(await store.find({ skip: 4 }))).toEqual(['p5']);
        expect(await store.find({ skip: 10, limit: 5 })).toEqual([]);
      });

      it('counts, and counts grouped by a field', async () => {
        expect(await store.count()).toBe(5);
        expect(await store.count({ where: { status: 'invited' } })).toBe(2);
        expect(await store.countBy('status')).toEqual({ active: 2, invited: 2, suspended: 1 });
        expect(await store.countBy('status', { where: { 'org.id': 'o2' } })).toEqual({
          invited: 1,
          suspended: 1,
        });
        expect(await store.countBy('age')).toEqual({ '36': 1, '41': 2, '85': 1 });
        expect(await store.countBy('admin')).toEqual({ true: 1, false: 1 });
        expect(await store.countBy('status', { where: { status: 'nope' } })).toEqual({});
      });
    });

    describe('unicode', () => {
      it('stores text verbatim and searches with Unicode case folding and normalisation', async () => {
        const names = {
          u1: 'École Polytechnique',
          u2: 'Straße 😀 東京',
          u3: 'Ｍａｒｉａ',
          u4: 'Ä\u0301rger',
          u5: 'ΣΊΣΥΦΟΣ',
        };
        for (const [id, name] of Object.entries(names)) await store.put({ id, name }, 1n);
        for (const [id, name] of Object.entries(names)) expect((await store.get(id))!.name).toBe(name);
        expect(ids(await store.find({ search: { text: 'école', fields: ['name'] } }))).toEqual(['u1']);
        expect(
          ids(await store.find({ search: { text: 'ÉCOLE', fields: ['name'], mode: 'prefix' } })),
        ).toEqual(['u1']);
        expect(ids(await store.find({ search: { text: '😀 東', fields: ['name'] } }))).toEqual(['u2']);
        expect(ids(await store.find({ search: { text: 'maria', fields: ['name'] } }))).toEqual(['u3']);
        expect(ids(await store.find({ search: { text: 'σίσυ', fields: ['name'] } }))).toEqual(['u5']);
        expect(ids(await store.find({ where: { name: 'Straße 😀 東京' } }))).toEqual(['u2']);
      });

      it('sorts strings by Unicode code point', async () => {
        const names = ['😀', '\uFF5E', '中', 'é', 'z', 'Z', 'a'];
        for (const [i, name] of names.entries()) await store.put({ id: `s${i}`, name }, 1n);
        const sorted = (await store.find({ sort: [['name', 'asc']] })).map((d) => d.name);
        expect(sorted).toEqual(['Z', 'a', 'z', 'é', '中', '\uFF5E', '😀']);
      });
    });

    describe('lifecycle', () => {
      it('clears documents and tombstones, staying usable', async () => {
        await seed([{ id: 'a', name: 'Ada' }], 9n);
        await store.delete('b', 9n);
        await store.clear();
        expect(await store.count()).toBe(0);
        expect(await store.put({ id: 'a', name: 'replayed' }, 1n)).toBe(true);
        expect(await store.put({ id: 'b', name: 'replayed' }, 1n)).toBe(true);
        expect(ids(await store.find({ search: { text: 'REPL', fields: ['name'] } }))).toEqual(['a', 'b']);
      });

      it('drops the read model and recreates it empty on next use', async () => {
        await seed([{ id: 'a', name: 'Ada', status: 'active' }], 9n);
        await store.drop();
        expect(await store.get('a')).toBeUndefined();
        expect(await store.put({ id: 'a', name: 'Ada', status: 'invited' }, 1n)).toBe(true);
        expect(await store.countBy('status')).toEqual({ invited: 1 });
      });

      it('shares documents between two opens of one model', async () => {
        const again = await factory.open(store.model);
        await store.put({ id: 'a', name: 'Ada' }, 1n);
        expect(await again.get('a')).toEqual({ id: 'a', name: 'Ada' });
      });

      it('refuses invalid read model declarations', async () => {
        await expect(factory.open({ name: 'Bad Name!' })).rejects.toBeInstanceOf(InvalidReadQuery);
        await expect(factory.open({ name: 'ok_name', searchable: ['a.b'] })).rejects.toBeInstanceOf(
          InvalidReadQuery,
        );
        await expect(factory.open({ name: 'ok_name', indexes: [{ $x: 1 } as never] })).rejects.toBeInstanceOf(
          InvalidReadQuery,
        );
      });
    });
  });
