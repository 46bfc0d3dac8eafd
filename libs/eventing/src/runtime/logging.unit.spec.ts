import { Controller, Get, Logger as NestLogger, Module, Req } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { FastifyRequest } from 'fastify';
import { Logger, LoggerModule } from 'nestjs-pino';
import { __resetOutOfContextForTests } from 'nestjs-pino/PinoLogger';
import { logLevelOf, loggingParams, SECRET_LOG_PATHS, writesRequestLog } from './logging';

describe('logging: levels and the request log', () => {
  it('writes the per-request line at trace, debug and info only', () => {
    expect(['trace', 'debug', 'info'].map(writesRequestLog)).toEqual([true, true, true]);
    expect(['warn', 'error', 'fatal', 'silent'].map(writesRequestLog)).toEqual([false, false, false, false]);
  });

  it('takes LOG_LEVEL, else silent under tests and info otherwise', () => {
    expect(logLevelOf({ LOG_LEVEL: 'debug', NODE_ENV: 'test' })).toBe('debug');
    expect(logLevelOf({ NODE_ENV: 'test' })).toBe('silent');
    expect(logLevelOf({})).toBe('info');
  });

  it('mounts the request log except on probes at info, on no route above info; redaction either way', () => {
    const info = loggingParams('svc', 'info');
    expect(info.forRoutes).toBeUndefined();
    expect(info.exclude?.map((r) => (typeof r === 'string' ? r : r.path))).toEqual([
      'healthz',
      'readyz',
      'metrics',
    ]);
    const warn = loggingParams('svc', 'warn');
    expect(warn.forRoutes).toEqual([]);
    for (const params of [info, warn])
      expect(params.pinoHttp).toMatchObject({
        name: 'svc',
        redact: { paths: SECRET_LOG_PATHS, censor: '[redacted]' },
      });
  });
});

describe('logging: redaction paths', () => {
  it('redacts secrets at the top level of a log object and one level down', async () => {
    const { default: pino } = await import('pino');
    const lines: string[] = [];
    const logger = pino(
      { redact: { paths: SECRET_LOG_PATHS, censor: '[redacted]' } },
      { write: (line: string) => void lines.push(line) },
    );
    logger.warn({ password: 'p1', token: 't1', sealedToken: 's1', body: { password: 'p2', code: '123456' } });
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({
      password: '[redacted]',
      token: '[redacted]',
      sealedToken: '[redacted]',
      body: { password: '[redacted]', code: '[redacted]' },
    });
    expect(lines[0]).not.toMatch(/p1|t1|s1|p2|123456/);
  });
});

describe.each(['info', 'warn'])('logging through a Nest app at %s', (level) => {
  const lines: Array<Record<string, any>> = [];
  let app: NestFastifyApplication;

  beforeAll(async () => {
    __resetOutOfContextForTests();
    const params = loggingParams('svc', level);
    const stream = { write: (line: string) => void lines.push(JSON.parse(line)) };

    @Controller()
    class HelloController {
      private readonly logger = new NestLogger('hello');
      @Get('hello')
      hello(@Req() request: FastifyRequest) {
        this.logger.warn({ msg: 'careful', body: { password: 'hunter2' } });
        return { perRequestLogger: (request.raw as { log?: unknown }).log !== undefined };
      }
    }
    @Module({
      imports: [LoggerModule.forRoot({ ...params, pinoHttp: [params.pinoHttp as object, stream] })],
      controllers: [HelloController],
    })
    class AppModule {}

    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { bufferLogs: true });
    app.useLogger(app.get(Logger));
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(async () => {
    await app?.close();
    __resetOutOfContextForTests();
  });

  it('logs the request only at info, and redacts secrets in every line written', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/hello',
      headers: { authorization: 'Bearer top-secret' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ perRequestLogger: level === 'info' });
    await new Promise((r) => setImmediate(r));

    const warning = lines.find((l) => l.msg === 'careful');
    expect(warning).toMatchObject({ level: 40, body: { password: '[redacted]' } });
    const requestLines = lines.filter((l) => l.msg === 'request completed');
    if (level === 'info') {
      expect(requestLines).toHaveLength(1);
      expect(requestLines[0]!.req.headers.authorization).toBe('[redacted]');
    } else expect(requestLines).toHaveLength(0);
    expect(JSON.stringify(lines)).not.toMatch(/top-secret|hunter2/);
  });
});
