export * from './read-store.port';
export * from './read-store.errors';
export { foldForSearch } from './read-query';
export * from './in-memory/in-memory-read.store';
export { connectMongo, databaseNameOf, type MongoConnectOptions } from './mongo/mongo-connection';
export * from './mongo/mongo-read.store';
export * from './mongo/mongo-checkpoint.store';
