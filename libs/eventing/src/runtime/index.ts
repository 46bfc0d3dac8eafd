export * from './boot';
export * from './ops.module';
export * from './ops.controller';
export * from './readiness';
