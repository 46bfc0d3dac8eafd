// Test helpers for code built on @idp/eventing (they use Jest's globals): import from '@idp/eventing/testing'.
export * from './decider-spec';
export * from '../event-store/event-store.contract';
export * from '../event-store/checkpoint-store.contract';
export * from '../uniqueness/uniqueness-guard.contract';
export * from '../bus/bus.contract';
