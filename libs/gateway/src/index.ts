export * from './gateway.module';
export * from './config/gateway-config';

export * from './jsonapi/keys';
export * from './jsonapi/timestamp';
export * from './jsonapi/ids';
export * from './jsonapi/resource';
export * from './jsonapi/document';
export * from './jsonapi/request-url';
export * from './jsonapi/query-params';
export * from './jsonapi/pagination';

export * from './errors/json-api-error';
export * from './errors/rpc-error';
export * from './errors/domain-errors';
export * from './errors/gateway-exception.filter';

export * from './validation/zod-issues';
export * from './validation/json-api-body';
export * from './validation/zod-pipes';
export * from './validation/openapi';
export * from './validation/text-safety';

export * from './http/json-api-controller';
export * from './http/request-context';
export * from './http/gateway-http.setup';

export * from './routes/ping.controller';
export * from './routes/discovery.controller';
export * from './docs/gateway-docs';

export * from './bus/service-client';
export * from './bus/service-messages';
export * from './auth/auth.tokens';
export * from './auth/credential-cache';
export * from './auth/session-cookie';
export * from './auth/authentication.guard';
export * from './routes/user-resource';
export * from './routes/session-resource';
export * from './routes/account-input';
export * from './routes/account.controller';
export * from './routes/users.controller';
export * from './routes/session.controller';
export * from './routes/iact.controller';
export * from './routes/organization-token.controller';
export * from './routes/organization-token-resource';
