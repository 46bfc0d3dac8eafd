export * from './token.messages';
export * from './token.events';
export * from './organization-token.messages';
export * from './team-token.messages';
