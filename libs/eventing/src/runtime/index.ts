export * from './boot';
export * from './host';
export * from './logging';
export * from './ops.module';
export * from './ops.controller';
export * from './readiness';
export * from './service-infrastructure';
export * from './service-resources';
