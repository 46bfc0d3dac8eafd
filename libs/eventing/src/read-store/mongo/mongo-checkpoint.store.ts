import type { Connection, mongo } from 'mongoose';
import { EventStoreUnavailable } from '../../event-store/errors';
import type { Position } from '../../event-store/event';
import { type CheckpointStore, validateCheckpoint } from '../../event-store/checkpoint-store.port';
import { isDuplicateKey, mapMongoError, nativeDb } from './mongo-connection';

interface CheckpointRow {
  _id: string;
  position: bigint;
  updatedAt: Date;
}

/**
 * Checkpoints in MongoDB, beside the read models they describe: a read model and its checkpoint then live
 * and die together (drop the database, and the projection rebuilds from zero instead of resuming on top of
 * nothing).
 *
 * Last write wins, as the port says and every adapter does (one upsert per save, atomic on every server,
 * FerretDB included); one tailing reader owns a checkpoint name. Throws `EventStoreUnavailable` when
 * MongoDB cannot be reached.
 */
export class MongoCheckpointStore implements CheckpointStore {
  private readonly collection: mongo.Collection<CheckpointRow>;

  constructor(connection: Connection, collectionName = 'checkpoints') {
    this.collection = nativeDb(connection).collection<CheckpointRow>(collectionName, { useBigInt64: true });
  }

  async load(name: string): Promise<Position | undefined> {
    validateCheckpoint(name);
    try {
      const row = await this.collection.findOne({ _id: name });
      return row ? BigInt(row.position) : undefined;
    } catch (err) {
      throw unavailable(err);
    }
  }

  async save(name: string, position: Position): Promise<void> {
    validateCheckpoint(name, position);
    // Two first-ever saves of one name can both try to insert; the loser retries as an update.
    for (let attempt = 0; ; attempt++) {
      try {
        await this.collection.updateOne(
          { _id: name },
          { $set: { position, updatedAt: new Date() } },
          { upsert: true },
        );
        return;
      } catch (err) {
        if (!isDuplicateKey(err) || attempt > 0) throw unavailable(err);
      }
    }
  }
}

const unavailable = (err: unknown) => {
  const mapped = mapMongoError('checkpoint', err);
  return mapped !== err ? new EventStoreUnavailable((mapped as Error).message, err) : err;
};
