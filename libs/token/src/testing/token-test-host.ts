import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  BUS_CLIENT,
  type BusClient,
  EVENT_STORE,
  type EventStore,
  loadInfraConfig,
  startHost,
} from '@idp/eventing';
import { uniqueName } from '@idp/testing';
import { firstValueFrom, timeout } from 'rxjs';
import { TokenModule, tokenService } from '../token.module';

/**
 * For the token service's integration suites: the service on the real host and bus, in whichever configuration
 * `env` describes, with a controllable clock. Registers `beforeAll`/`afterAll`; call inside a `describe`.
 */
export const useTokenTestHost = (
  env: () => Promise<Record<string, string>>,
  cleanup: () => Promise<void>,
  clock: { now(): Date },
) => {
  const host = {} as { app: NestFastifyApplication; bus: BusClient; store: EventStore };
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'token-'));
    host.app = await startHost({
      process: 't',
      services: [{ ...tokenService, module: (infra) => TokenModule.register(infra, { clock }) }],
      consumerGroup: uniqueName('t'),
      config: loadInfraConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, ...(await env()) }),
    });
    host.bus = host.app.get<BusClient>(BUS_CLIENT);
    host.store = host.app.get<EventStore>(EVENT_STORE, { strict: false });
  }, 90_000);
  afterAll(async () => {
    await host.app?.close();
    rmSync(dataDir, { recursive: true, force: true });
    await cleanup();
  });
  const send = <T>(pattern: string, body: Record<string, unknown>): Promise<T> =>
    firstValueFrom(host.bus.send<T>(pattern, { meta: {}, ...body }).pipe(timeout(20_000)));
  return { host, send };
};
