export * from './topics';
export * from './integration-event';
