export * from './mailer.port';
export { DEFAULT_MAIL_FROM, messageIdFor, parseSender, type Sender } from './mail-message';
export { toMailError } from './smtp-errors';
export * from './smtp.mailer';
export * from './outbox.mailer';
export * from './retrying.mailer';
export * from './mailer.factory';
