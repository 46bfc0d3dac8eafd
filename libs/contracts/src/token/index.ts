export * from './token.messages';
export * from './token.events';
