import { uniqueName } from '@idp/testing';
import type { Connection } from 'mongoose';
import { connectMongo } from './mongo-connection';

/**
 * For Mongo integration suites: a fresh database (unique name) opened before the suite and dropped after it.
 * Call inside `describeWithInfra(['mongo'], …)`; the returned function gives the open connection.
 */
export const useMongoTestDatabase = (url: () => string, prefix: string): (() => Connection) => {
  let connection: Connection | undefined;
  beforeAll(async () => {
    connection = await connectMongo(url(), { dbName: uniqueName(prefix) });
  });
  afterAll(async () => {
    await connection?.dropDatabase();
    await connection?.close();
  });
  return () => connection!;
};
