export * from './event';
export * from './errors';
export * from './event-store.port';
export * from './validate';
export * from './in-memory/in-memory-event-store';
