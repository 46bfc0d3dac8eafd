// Test helpers for code built on @idp/eventing (they use Jest's `expect`): import from '@idp/eventing/testing'.
export * from './decider-spec';
