export * from './delivery/delivery.decider';
export * from './templates';
