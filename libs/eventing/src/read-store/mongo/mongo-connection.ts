import type { Connection } from 'mongoose';
import { ReadStoreError, ReadStoreUnavailable } from '../read-store.errors';

export interface MongoConnectOptions {
  /** Database name; default: the URL's path, else `idp`. */
  dbName?: string;
  /** How long to wait for a reachable server before failing (ms). Default 5000. */
  serverSelectionTimeoutMS?: number;
}

/** The database named in a `mongodb://` / `mongodb+srv://` URL's path (multi-host URLs included). */
export const databaseNameOf = (url: string): string | undefined => {
  const match = /^mongodb(?:\+srv)?:\/\/[^/?]*\/([^?]*)/.exec(url);
  return match?.[1] ? decodeURIComponent(match[1]) : undefined;
};

/**
 * Opens a mongoose connection for read stores and their companions (checkpoints, parked events, processed
 * events). Throws `ReadStoreUnavailable` (with the URL's host, never its credentials) when no server answers
 * in time, `ReadStoreError` code `READ_STORE.BAD_URL` for a URL that is not `mongodb://`.
 *
 * Commands are never buffered: an outage fails fast instead of queueing writes in memory. Everything works
 * on MongoDB ≥ 5 and FerretDB 1.x (no transactions, no change streams, no collations are used).
 */
export const connectMongo = async (url: string, options: MongoConnectOptions = {}): Promise<Connection> => {
  if (!/^mongodb(\+srv)?:\/\//.test(url))
    throw new ReadStoreError('READ_STORE.BAD_URL', 'MONGO_URL must start with mongodb://');
  // Loaded on demand: the embedded mode (in-memory read models) never pays for the driver.
  const { default: mongoose } = await import('mongoose');
  const connection = mongoose.createConnection(url, {
    dbName: options.dbName ?? databaseNameOf(url) ?? 'idp',
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 5000,
    bufferCommands: false,
    autoIndex: false,
    autoCreate: false,
  });
  try {
    await connection.asPromise();
  } catch (err) {
    await connection.close().catch(() => undefined);
    const host = /^mongodb(?:\+srv)?:\/\/(?:[^@/]*@)?([^/?]*)/.exec(url)?.[1] ?? '?';
    throw new ReadStoreUnavailable(`cannot reach MongoDB at ${host}: ${(err as Error).message}`, err);
  }
  return connection;
};

/** The native database handle behind a connection (mongoose models add nothing for schemaless documents). */
export const nativeDb = (connection: Connection) => {
  const db = connection.db;
  if (!db) throw new ReadStoreUnavailable('mongoose connection is not open');
  return db;
};

/**
 * What the server behind a connection can guarantee. FerretDB 1.x (SQLite backend) evaluates an update's
 * filter and writes the document in separate steps, so concurrent conditional updates of ONE document race
 * (measured: 100 concurrent `$inc` leave n≈10; a `p < position` guard lets a lower position win). Only
 * unique-key inserts are atomic there. Guarded writes stay correct with one writer per document at a time —
 * which is how the projection runner writes (sequentially) — but several runners per read model need MongoDB.
 */
export const mongoCapabilities = async (connection: Connection) => {
  const info = await mongoCall('buildInfo', () => nativeDb(connection).admin().command({ buildInfo: 1 }));
  const ferretdb = typeof info.ferretdbVersion === 'string' ? info.ferretdbVersion : undefined;
  return { ferretdb, atomicConditionalWrites: ferretdb === undefined };
};

export const isDuplicateKey = (err: unknown): boolean => (err as { code?: unknown })?.code === 11000;

const UNAVAILABLE =
  /MongoNetwork|MongoServerSelection|MongoNotConnected|MongoTopologyClosed|MongoPoolClosed|Timeout/;

/** Maps driver failures that mean "not reachable" to `ReadStoreUnavailable`; other errors pass through. */
export const mapMongoError = (what: string, err: unknown): unknown => {
  if (err instanceof ReadStoreError) return err;
  const name = (err as Error)?.name ?? '';
  return UNAVAILABLE.test(name) ? new ReadStoreUnavailable(`${what}: ${(err as Error).message}`, err) : err;
};

export const mongoCall = async <R>(what: string, fn: () => Promise<R>): Promise<R> => {
  try {
    return await fn();
  } catch (err) {
    throw mapMongoError(what, err);
  }
};

/** `'NamespaceNotFound'` (26) means there was nothing to drop. */
export const isNamespaceNotFound = (err: unknown): boolean => (err as { code?: unknown })?.code === 26;

/** Escapes text for a literal match in a MongoDB (PCRE) or FerretDB (Go RE2) regular expression. */
export const escapeRegex = (text: string): string => text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
