export * from './identity.module';
export * from './domain/account/account.decider';
export * from './domain/account/account.values';
export * from './domain/login/login-throttle.decider';
export * from './domain/password';
export * from './infrastructure/password';
