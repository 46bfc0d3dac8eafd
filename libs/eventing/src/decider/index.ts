export * from './decider';
export * from './handle-command';
export * from './state-cache';
export * from './upcasters';
