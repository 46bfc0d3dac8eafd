export * from './notification.module';
export * from './notification.config';
export * from './notification.tokens';
export * from './domain';
export * from './application';
export * from './infrastructure/mail';
export * from './infrastructure/sms';
