export * from './account-mail.templates';
export * from './invitation-mail.templates';
export * from './branding';
export * from './html';
export * from './layout';
