import type { Connection, mongo } from 'mongoose';
import type { Position } from '../../event-store/event';
import {
  assertPosition,
  compileFilter,
  compileQuery,
  groupKey,
  searchShadow,
  toStoredChanges,
  toStoredDocument,
  validateModel,
  type CompiledFilter,
  type Shadow,
} from '../read-query';
import { ReadStoreConflict } from '../read-store.errors';
import type { Filter, Query, ReadDocument, ReadModel, ReadStore, ReadStoreFactory } from '../read-store.port';
import {
  connectMongo,
  escapeRegex,
  isDuplicateKey,
  isNamespaceNotFound,
  mongoCall,
  nativeDb,
} from './mongo-connection';

type Collection<T extends mongo.Document> = mongo.Collection<T>;
type Db = mongo.Db;
type Document = mongo.Document;
type MongoFilter<T> = mongo.Filter<T>;
type IndexDescription = mongo.IndexDescription;

/**
 * One row per document: `p` is the position that last wrote it (int64), `d` the document, `s` the folded
 * search shadows. A tombstone is `{ _id, p, deleted: true }`. Keeping the document under `d` means its
 * fields can never collide with the bookkeeping, whatever the read model contains.
 */
interface Row<T> {
  _id: string;
  p: bigint;
  d?: T;
  s?: Shadow;
  deleted?: true;
}

const LIVE = { deleted: { $ne: true } } as const;
/** Attempts of `update` before `ReadStoreConflict`; contention only exists with several runners per model. */
const MAX_UPDATE_ATTEMPTS = 10;

const docPath = (path: string) => (path === 'id' ? '_id' : `d.${path}`);

/** The compiled filter as a MongoDB query; FerretDB 1.x understands all of it ($in, $regex, $or, $and, $ne). */
export const toMongoFilter = <T>(filter: CompiledFilter): MongoFilter<Row<T>> => {
  const and: Document[] = [];
  for (const c of filter.conditions) {
    and.push({ [docPath(c.path)]: c.values.length === 1 ? c.values[0] : { $in: c.values } });
  }
  for (const s of filter.searches) {
    const pattern = `${s.prefix ? '^' : ''}${escapeRegex(s.text)}`;
    and.push({ $or: s.fields.map((f) => ({ [`s.${f}`]: { $regex: pattern } })) });
  }
  return (and.length ? { ...LIVE, $and: and } : { ...LIVE }) as MongoFilter<Row<T>>;
};

/**
 * ReadStore on MongoDB (and FerretDB 1.x) through the native collection of a mongoose connection.
 *
 * Every write is ONE conditional single-document operation (`replaceOne`/`updateOne` filtered on
 * `p < position`), so it is atomic without transactions. An upsert whose filter misses an existing row
 * collides on `_id` (E11000): that means the stored position is at or above ours — unless a concurrent
 * writer inserted the row between our filter and our insert, so the write is retried once before it is
 * declared stale.
 */
export class MongoReadStore<T extends ReadDocument> implements ReadStore<T> {
  private readonly collection: Collection<Row<T>>;
  private indexes: Promise<void> | undefined;

  constructor(
    readonly model: ReadModel<T>,
    db: Db,
    readonly collectionName: string = model.name,
  ) {
    validateModel(model);
    // bigint in, bigint out: positions are int64 and must not be rounded through `number`.
    this.collection = db.collection<Row<T>>(collectionName, { useBigInt64: true });
  }

  /** Creates the collection's indexes (idempotent); every operation awaits it once. */
  ready(): Promise<void> {
    this.indexes ??= mongoCall(`create indexes of ${this.collectionName}`, async () => {
      const specs: IndexDescription[] = [
        ...(this.model.indexes ?? []).map((index) => ({
          key: Object.fromEntries(Object.entries(index).map(([f, dir]) => [docPath(f), dir as 1 | -1])),
        })),
        ...(this.model.searchable ?? []).map((f) => ({ key: { [`s.${f}`]: 1 as const } })),
      ];
      // One call per index: FerretDB 1.24 panics on a multi-index createIndexes whose indexes all exist.
      for (const spec of specs) await this.collection.createIndexes([spec]);
    }).catch((err) => {
      this.indexes = undefined; // let the next call try again
      throw err;
    });
    return this.indexes;
  }

  async get(id: string): Promise<T | undefined> {
    await this.ready();
    const row = await mongoCall('get', () =>
      this.collection.findOne({ _id: id, ...LIVE } as MongoFilter<Row<T>>),
    );
    return row?.d;
  }

  async find(query: Query<T> = {}): Promise<T[]> {
    const q = compileQuery(this.model, query);
    await this.ready();
    if (q.limit === 0) return []; // MongoDB reads limit 0 as "no limit"
    const rows = await mongoCall('find', () =>
      this.collection
        .find(toMongoFilter<T>(q), {
          projection: { d: 1 },
          sort: Object.fromEntries(q.sort.map(([path, dir]) => [docPath(path), dir])),
          skip: q.skip,
          ...(q.limit === undefined ? {} : { limit: q.limit }),
        })
        .toArray(),
    );
    return rows.map((r) => r.d as T);
  }

  async count(filter: Filter<T> = {}): Promise<number> {
    const f = compileFilter(this.model, filter);
    await this.ready();
    return mongoCall('count', () => this.collection.countDocuments(toMongoFilter<T>(f)));
  }

  async countBy(field: string, filter: Filter<T> = {}): Promise<Record<string, number>> {
    const q = compileQuery(this.model, { ...filter, sort: [[field, 'asc']] }); // validates the field path
    await this.ready();
    const groups = await mongoCall('countBy', () =>
      this.collection
        .aggregate<{ _id: unknown; n: number }>([
          { $match: toMongoFilter<T>(q) },
          { $group: { _id: `$${docPath(field)}`, n: { $sum: 1 } } },
        ])
        .toArray(),
    );
    const counts: Record<string, number> = {};
    for (const g of groups) {
      const key = groupKey(g._id);
      if (key !== undefined) counts[key] = (counts[key] ?? 0) + Number(g.n);
    }
    return counts;
  }

  async put(doc: T, position: Position): Promise<boolean> {
    assertPosition(position);
    const stored = toStoredDocument(this.model, doc);
    return this.replaceIfNewer(stored.id, position, { p: position, d: stored, s: this.shadowOf(stored) });
  }

  async patch(id: string, changes: Partial<Omit<T, 'id'>>, position: Position): Promise<boolean> {
    assertPosition(position);
    const update = this.patchUpdate(toStoredChanges(this.model, changes), position);
    await this.ready();
    const result = await mongoCall('patch', () =>
      this.collection.updateOne({ _id: id, p: { $lt: position }, ...LIVE } as MongoFilter<Row<T>>, update),
    );
    return result.matchedCount === 1;
  }

  async patchWhere(filter: Filter<T>, changes: Partial<Omit<T, 'id'>>, position: Position): Promise<number> {
    assertPosition(position);
    const f = compileFilter(this.model, filter);
    const update = this.patchUpdate(toStoredChanges(this.model, changes), position);
    await this.ready();
    const result = await mongoCall('patchWhere', () =>
      this.collection.updateMany(
        { ...toMongoFilter<T>(f), p: { $lt: position } } as MongoFilter<Row<T>>,
        update,
      ),
    );
    return result.matchedCount;
  }

  async update(
    id: string,
    position: Position,
    change: (current: T | undefined) => T | undefined,
  ): Promise<boolean> {
    assertPosition(position);
    await this.ready();
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
      const row = await mongoCall('update', () =>
        this.collection.findOne({ _id: id } as MongoFilter<Row<T>>),
      );
      if (row && row.p >= position) return false;
      const next = change(row?.deleted ? undefined : row?.d);
      if (next === undefined) return false;
      const stored = toStoredDocument(this.model, next, id);
      const replacement = { p: position, d: stored, s: this.shadowOf(stored) };
      // Compare-and-set on the position we read: a write in between (another runner) makes us re-read.
      if (row) {
        const result = await mongoCall('update', () =>
          this.collection.replaceOne({ _id: id, p: row.p } as MongoFilter<Row<T>>, replacement),
        );
        if (result.matchedCount === 1) return true;
      } else {
        try {
          await this.collection.insertOne({ _id: id, ...replacement } as never);
          return true;
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
        }
      }
    }
    throw new ReadStoreConflict(this.model.name, id, MAX_UPDATE_ATTEMPTS);
  }

  async delete(id: string, position: Position): Promise<boolean> {
    assertPosition(position);
    return this.replaceIfNewer(id, position, { p: position, deleted: true });
  }

  async clear(): Promise<void> {
    await this.ready();
    await mongoCall('clear', () => this.collection.deleteMany({}));
  }

  async drop(): Promise<void> {
    await mongoCall('drop', async () => {
      try {
        await this.collection.drop();
      } catch (err) {
        if (!isNamespaceNotFound(err)) throw err;
      }
    });
    this.indexes = undefined; // the next operation recreates them
  }

  private async replaceIfNewer(
    id: string,
    position: Position,
    replacement: Omit<Row<T>, '_id'>,
  ): Promise<boolean> {
    await this.ready();
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await mongoCall('write', () =>
          this.collection.replaceOne({ _id: id, p: { $lt: position } } as MongoFilter<Row<T>>, replacement, {
            upsert: true,
          }),
        );
        return result.matchedCount + result.upsertedCount > 0;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        if (attempt > 0) return false; // the row exists and is at or above `position`
      }
    }
  }

  private patchUpdate(set: Record<string, unknown>, position: Position): mongo.UpdateFilter<Row<T>> {
    const $set: Document = { p: position };
    const $unset: Document = {};
    for (const [key, value] of Object.entries(set)) $set[`d.${key}`] = value;
    const shadow = this.shadowOf(set);
    for (const field of this.model.searchable ?? []) {
      if (!(field in set)) continue;
      if (field in shadow) $set[`s.${field}`] = shadow[field];
      else $unset[`s.${field}`] = '';
    }
    return (Object.keys($unset).length ? { $set, $unset } : { $set }) as mongo.UpdateFilter<Row<T>>;
  }

  private shadowOf(doc: object): Shadow {
    return searchShadow(this.model, doc as Record<string, unknown>);
  }
}

export interface MongoReadStoreFactoryOptions {
  /** Prepended to every model's collection name (e.g. `identity_`), for services sharing one database. */
  collectionPrefix?: string;
}

/**
 * Read stores in one MongoDB database. Owns its connection when built with `MongoReadStoreFactory.connect`
 * (closed by `close()`); borrows it otherwise.
 */
export class MongoReadStoreFactory implements ReadStoreFactory {
  private readonly db: Db;

  constructor(
    readonly connection: Connection,
    private readonly options: MongoReadStoreFactoryOptions & { ownsConnection?: boolean } = {},
  ) {
    this.db = nativeDb(connection);
  }

  static async connect(url: string, options: MongoReadStoreFactoryOptions & { dbName?: string } = {}) {
    return new MongoReadStoreFactory(await connectMongo(url, { dbName: options.dbName }), {
      ...options,
      ownsConnection: true,
    });
  }

  async open<T extends ReadDocument>(model: ReadModel<T>): Promise<ReadStore<T>> {
    const store = new MongoReadStore<T>(
      model,
      this.db,
      `${this.options.collectionPrefix ?? ''}${model.name}`,
    );
    await store.ready();
    return store;
  }

  async close(): Promise<void> {
    if (this.options.ownsConnection) await this.connection.close();
  }
}
