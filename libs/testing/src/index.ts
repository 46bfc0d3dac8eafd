export * from './infra';
export * from './describe-with-infra';
export * from './postgres';
export * from './process';
export * from './smtp';
export * from './journeys/account-journey';
export * from './distributed-env';
export * from './wait';
