export * from './topics';
export * from './integration-event';
export * from './rpc';
export * from './identity/identity.messages';
export * from './identity/identity.events';
export * from './token';
export * from './token/impersonation.messages';
export * from './membership';
