import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { assertReachable, boot, exitOnSignals, loadInfraConfig, openEventStore } from '@idp/eventing';
import { PlatformModule } from './platform.module';

void boot('platform', async () => {
  const config = loadInfraConfig();
  await assertReachable(config);
  const eventStore = await openEventStore(config.eventStore);
  const app = await NestFactory.create<NestFastifyApplication>(
    PlatformModule.register(eventStore),
    new FastifyAdapter({ bodyLimit: 1024 * 1024, trustProxy: process.env.TRUST_PROXY === 'true' }),
    { bufferLogs: true },
  );
  app.useLogger(app.get(Logger));
  exitOnSignals(() => app.close());
  await app.listen(config.port, config.host);
  app
    .get(Logger)
    .log(`platform (embedded) listening on ${await app.getUrl()}; event store: ${eventStore.describe}`);
});
