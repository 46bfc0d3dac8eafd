export * from './event-publisher.port';
export * from './event-message';
export * from './event-relay';
export * from './in-memory/in-memory-event.publisher';
export * from './processed-event.store';
export * from './processed-events';
export * from './in-memory/in-memory-processed-event.store';
export * from './mongo/mongo-processed-event.store';
