export * from './event-store';
export * from './ids/uuid-v7';
