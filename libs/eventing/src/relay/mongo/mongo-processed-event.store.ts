import { randomUUID } from 'node:crypto';
import type { Connection, mongo } from 'mongoose';
import { isDuplicateKey, mongoCall, nativeDb } from '../../read-store/mongo/mongo-connection';
import type { ClaimResult, ProcessedEventStore } from '../processed-event.store';

interface ProcessedRow {
  _id: string;
  consumer: string;
  key: string;
  token: string;
  /** Set while claimed; removed on completion. */
  leaseUntil?: Date;
  doneAt?: Date;
}

/**
 * Processed-event records in MongoDB. Every step is one single-document atomic operation: the claim is an
 * insert (the unique `_id` decides between racing handlers), a takeover is a conditional update on an expired
 * lease, completion and release are conditional on the claim token. On FerretDB 1.x only the first claim is
 * race-free (a unique insert); taking over an expired lease is not atomic there (its conditional updates
 * race), so two handlers may both take over a dead handler's event — rare, and at-least-once anyway.
 */
export class MongoProcessedEventStore implements ProcessedEventStore {
  private readonly collection: mongo.Collection<ProcessedRow>;
  private indexed: Promise<unknown> | undefined;

  constructor(connection: Connection, collectionName = 'processed_events') {
    this.collection = nativeDb(connection).collection<ProcessedRow>(collectionName);
  }

  async claim(consumer: string, key: string, leaseMs: number, now: Date): Promise<ClaimResult> {
    await this.ready();
    const _id = `${consumer}/${key}`;
    const leaseUntil = new Date(now.getTime() + leaseMs);
    // A claim released between our attempts makes the insert possible again: a few rounds settle any race.
    for (let round = 0; round < 3; round++) {
      const token = randomUUID();
      try {
        await mongoCall('claim', () => this.collection.insertOne({ _id, consumer, key, token, leaseUntil }));
        return { status: 'claimed', token };
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
      const takeover = await mongoCall('claim', () =>
        this.collection.updateOne(
          { _id, doneAt: { $exists: false }, leaseUntil: { $lte: now } },
          { $set: { token, leaseUntil } },
        ),
      );
      if (takeover.matchedCount === 1) return { status: 'claimed', token };
      const row = await mongoCall('claim', () => this.collection.findOne({ _id }));
      if (row) return row.doneAt ? { status: 'done' } : { status: 'busy' };
    }
    return { status: 'busy' };
  }

  async complete(consumer: string, key: string, token: string, now: Date): Promise<boolean> {
    await this.ready();
    const result = await mongoCall('complete', () =>
      this.collection.updateOne(
        { _id: `${consumer}/${key}`, token, doneAt: { $exists: false } },
        { $set: { doneAt: now }, $unset: { leaseUntil: '' } },
      ),
    );
    return result.matchedCount === 1;
  }

  async release(consumer: string, key: string, token: string): Promise<void> {
    await this.ready();
    await mongoCall('release', () =>
      this.collection.deleteOne({ _id: `${consumer}/${key}`, token, doneAt: { $exists: false } }),
    );
  }

  async prune(consumer: string, completedBefore: Date): Promise<number> {
    await this.ready();
    const result = await mongoCall('prune', () =>
      this.collection.deleteMany({ consumer, doneAt: { $lt: completedBefore } }),
    );
    return result.deletedCount;
  }

  private ready() {
    this.indexed ??= mongoCall('index processed', () =>
      this.collection.createIndex({ consumer: 1, doneAt: 1 }),
    ).catch((err) => {
      this.indexed = undefined;
      throw err;
    });
    return this.indexed;
  }
}
