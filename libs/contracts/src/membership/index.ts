export * from './membership.messages';
export * from './membership.events';
