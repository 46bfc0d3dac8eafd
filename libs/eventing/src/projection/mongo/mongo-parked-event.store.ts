import type { Connection, mongo } from 'mongoose';
import { mongoCall, nativeDb } from '../../read-store/mongo/mongo-connection';
import type { ParkedEvent, ParkedEventStore } from '../parked-event.store';

interface ParkedRow extends Omit<ParkedEvent, 'position'> {
  _id: string;
  position: bigint;
}

/** Parked events in MongoDB, beside the read models whose projections parked them. */
export class MongoParkedEventStore implements ParkedEventStore {
  private readonly collection: mongo.Collection<ParkedRow>;
  private indexed: Promise<unknown> | undefined;

  constructor(connection: Connection, collectionName = 'parked_events') {
    this.collection = nativeDb(connection).collection<ParkedRow>(collectionName, { useBigInt64: true });
  }

  async park(event: ParkedEvent): Promise<void> {
    await this.ready();
    const { consumer, eventId } = event;
    // Keyed by (consumer, event id): parking the same event again replaces its record.
    await mongoCall('park', () =>
      this.collection.replaceOne({ _id: `${consumer}/${eventId}` }, { ...event }, { upsert: true }),
    );
  }

  async list(consumer?: string, page: { skip?: number; limit?: number } = {}): Promise<ParkedEvent[]> {
    await this.ready();
    if (page.limit === 0) return [];
    const rows = await mongoCall('list parked', () =>
      this.collection
        .find(consumer === undefined ? {} : { consumer }, {
          sort: { consumer: 1, position: 1 },
          skip: page.skip ?? 0,
          ...(page.limit === undefined ? {} : { limit: page.limit }),
        })
        .toArray(),
    );
    return rows.map(({ _id, ...row }) => ({ ...row, position: BigInt(row.position) }));
  }

  async count(consumer?: string): Promise<number> {
    await this.ready();
    return mongoCall('count parked', () =>
      this.collection.countDocuments(consumer === undefined ? {} : { consumer }),
    );
  }

  async clear(consumer: string): Promise<void> {
    await this.ready();
    await mongoCall('clear parked', () => this.collection.deleteMany({ consumer }));
  }

  private ready() {
    this.indexed ??= mongoCall('index parked', () =>
      this.collection.createIndex({ consumer: 1, position: 1 }),
    ).catch((err) => {
      this.indexed = undefined;
      throw err;
    });
    return this.indexed;
  }
}
