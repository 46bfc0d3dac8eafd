import { type DynamicModule, RequestMethod } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';

/**
 * Structured JSON logs (pino) for one process. Credentials never reach a log line: authorization headers,
 * cookies and any field named like a secret are redacted wherever they appear.
 */
export const SECRET_LOG_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.password_confirmation',
  '*.current_password',
  '*.token',
  '*.secret',
  '*.otp',
  '*.code',
];

export const loggingModule = (service: string): DynamicModule =>
  LoggerModule.forRoot({
    pinoHttp: {
      name: service,
      level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info'),
      redact: { paths: SECRET_LOG_PATHS, censor: '[redacted]' },
      quietReqLogger: true,
    },
    // Probes and scrapes every few seconds would drown the log.
    exclude: ['healthz', 'readyz', 'metrics'].map((path) => ({ method: RequestMethod.GET, path })),
  });
