export * from './deliveries/deliveries.projection';
export * from './deliveries/delivery-log';
export * from './deliver-mail/mail-plan';
export * from './deliver-mail/deliver-mail.handler';
export * from './deliver-account-mail/account-mail.plans';
export * from './deliver-invitation-mail/invitation-mail.plans';
export * from './notification.metrics';
export * from './deliver-sms/deliver-sms.handler';
