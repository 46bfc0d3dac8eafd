import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, Module } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { firstValueFrom, timeout } from 'rxjs';
import { eventsTopic } from '@idp/contracts';
import {
  BUS_CLIENT,
  type BusClient,
  type EventStore,
  fromEventMessage,
  loadInfraConfig,
  type RecordedEvent,
  startHost,
} from '@idp/eventing';
import { uniqueName } from '@idp/testing';
import { IDENTITY_EVENT_STORE, type IdentityOptions, identityServiceWith } from '../identity.module';

/** The identity service hosted for a test as in production, embedded configuration (`startIdentityTestHost`). */
export interface IdentityTestHost {
  app: NestFastifyApplication;
  bus: BusClient;
  store: EventStore;
  /** The identity events the host relayed to the bus, in arrival order. */
  relayed: RecordedEvent[];
  /** A request over the bus, its answer or its error (30 s timeout). */
  send<T>(pattern: string, payload: unknown): Promise<T>;
  /** The error a request must answer with; a request that succeeds fails the test. */
  fails(pattern: string, payload: unknown): Promise<IdentityTestError>;
  /** Closes the host and removes its DATA_DIR. */
  close(): Promise<void>;
}

/** An error answered over the bus (a domain error's code, message and details). */
export interface IdentityTestError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

/**
 * Hosts the identity service with `options` as in production, embedded configuration: PGlite in memory, the
 * in-process bus, in-memory read models, a temporary DATA_DIR (`name` prefixes it, the process and the consumer
 * group), plus a probe that records the identity events relayed to the bus.
 */
export const startIdentityTestHost = async (
  name: string,
  options: IdentityOptions,
): Promise<IdentityTestHost> => {
  const relayed: RecordedEvent[] = [];

  @Controller()
  class RelayProbe {
    @EventPattern(eventsTopic('identity'))
    onEvent(@Payload() value: unknown) {
      relayed.push(fromEventMessage(JSON.stringify(value)));
    }
  }
  @Module({ controllers: [RelayProbe] })
  class RelayProbeModule {}

  const dataDir = await mkdtemp(join(tmpdir(), `${name}-`));
  let app: NestFastifyApplication;
  try {
    app = await startHost({
      process: `${name}-test`,
      services: [identityServiceWith(options)],
      modules: [RelayProbeModule],
      consumerGroup: uniqueName(name),
      config: loadInfraConfig({
        EVENT_STORE_URL: 'pglite://memory',
        PORT: '0',
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
      }),
    });
  } catch (e) {
    await rm(dataDir, { recursive: true, force: true });
    throw e;
  }
  const bus = app.get<BusClient>(BUS_CLIENT);
  const send = <T>(pattern: string, payload: unknown) =>
    firstValueFrom(bus.send<T>(pattern, payload).pipe(timeout(30_000)));
  return {
    app,
    bus,
    store: app.get<EventStore>(IDENTITY_EVENT_STORE, { strict: false }),
    relayed,
    send,
    fails: (pattern, payload) =>
      send(pattern, payload).then(
        () => {
          throw new Error(`${pattern} succeeded`);
        },
        (err: IdentityTestError) => err,
      ),
    close: async () => {
      await app.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
};
