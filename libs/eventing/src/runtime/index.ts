export * from './boot';
export * from './event-store.factory';
export * from './event-store.module';
export * from './logging';
export * from './ops.module';
export * from './ops.controller';
export * from './readiness';
