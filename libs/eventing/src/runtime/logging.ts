import { type DynamicModule, RequestMethod } from '@nestjs/common';
import { LoggerModule, type Params } from 'nestjs-pino';
import { levels } from 'pino';

/**
 * Structured JSON logs (pino) for one process. Credentials never reach a log line: authorization headers,
 * cookies and any field named like a secret are redacted wherever they appear.
 */
export const SECRET_LOG_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  // Top level (`logger.warn({ password })`) and one level down (`{ body: { password } }`).
  'password',
  '*.password',
  'password_confirmation',
  '*.password_confirmation',
  'current_password',
  '*.current_password',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'sealedToken',
  '*.sealedToken',
  'otp',
  '*.otp',
  'code',
  '*.code',
  // Two-factor: TOTP secrets (and the URI that carries one), recovery codes, sealed codes.
  'sealedSecret',
  '*.sealedSecret',
  'sealedCode',
  '*.sealedCode',
  'otpauthUri',
  '*.otpauthUri',
  '["otpauth-uri"]',
  '*["otpauth-uri"]',
  'recoveryCode',
  '*.recoveryCode',
  'recoveryCodes',
  '*.recoveryCodes',
  '["recovery-code"]',
  '*["recovery-code"]',
  '["recovery-codes"]',
  '*["recovery-codes"]',
];

/** `LOG_LEVEL`, else `silent` under tests and `info` otherwise. */
export const logLevelOf = (env: NodeJS.ProcessEnv = process.env): string =>
  env.LOG_LEVEL ?? (env.NODE_ENV === 'test' ? 'silent' : 'info');

/**
 * Whether the per-request log line (pino-http writes it at `info` when the response is finished) is written at this
 * level: `trace`, `debug` and `info` write it; `warn` and above (and `silent`) do not. An unknown level counts as
 * writing it (pino then refuses the level itself at start).
 */
export const writesRequestLog = (level: string): boolean => {
  if (level === 'silent') return false;
  const value = levels.values[level];
  return value === undefined || value <= levels.values.info!;
};

/**
 * The request log (pino-http) is a middleware on every route: per request it makes two child loggers, one of them
 * bound to the serialized and redacted request, and waits for the response to write one `info` line. Above `info`
 * that line is never written, so the middleware is not mounted at all (`forRoutes: []`): no per-request logging
 * work. Lines logged while handling a request then come from the process logger (same options, same redaction)
 * without pino-http's per-request `reqId`.
 */
export const loggingParams = (service: string, level = logLevelOf()): Params => ({
  pinoHttp: {
    name: service,
    level,
    redact: { paths: SECRET_LOG_PATHS, censor: '[redacted]' },
    quietReqLogger: true,
  },
  ...(writesRequestLog(level)
    ? {
        // Probes and scrapes every few seconds would drown the log.
        exclude: ['healthz', 'readyz', 'metrics'].map((path) => ({ method: RequestMethod.GET, path })),
      }
    : { forRoutes: [] }),
});

export const loggingModule = (service: string): DynamicModule => LoggerModule.forRoot(loggingParams(service));
