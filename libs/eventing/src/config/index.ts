export * from './infra-config';
export * from './reachability';
