export * from './deliveries/deliveries.projection';
export * from './deliveries/delivery-log';
export * from './deliver-account-mail/account-mail.plans';
export * from './deliver-account-mail/deliver-account-mail.handler';
export * from './notification.metrics';
