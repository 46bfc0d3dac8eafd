export * from './token.module';
