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
