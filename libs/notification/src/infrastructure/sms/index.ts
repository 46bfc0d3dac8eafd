export * from './sms-sender.port';
export * from './twilio.sms-sender';
export * from './outbox.sms-sender';
export * from './sms.config';
