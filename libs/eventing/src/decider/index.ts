export * from './decider';
export * from './handle-command';
export * from './upcasters';
