export * from './membership.module';
