export * from './event-store';
export * from './ids/uuid-v7';
export * from './decider';
export * from './uniqueness';
export * from './config';
export * from './runtime';
export * from './bus';
