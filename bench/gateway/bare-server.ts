/**
 * The baseline of `auth.bench.ts`: a server that answers `GET /api/v2/account/details` with fixed bytes and does
 * nothing else (no authentication, no bus, no JSON:API layer). Run as its own process, like the platform, so that
 * the load generator meets both through the same loopback sockets.
 *
 *   BARE_KIND=fastify|http PORT=… BARE_BODY_FILE=… BARE_CONTENT_TYPE=… node -r ./tools/jest/register-ts.js bench/gateway/bare-server.ts
 *
 * `fastify`: a bare Fastify app (the version `@nestjs/platform-fastify` runs on), one route, logger off.
 * `http`: plain `node:http`, one handler. Both answer 200 with the body file's bytes and the given content type
 * (what the platform answered, captured by the benchmark), and print `listening <port>` once ready.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import Fastify from 'fastify';

const kind = process.env.BARE_KIND ?? 'fastify';
const port = Number(process.env.PORT);
const body = readFileSync(process.env.BARE_BODY_FILE!);
const contentType = process.env.BARE_CONTENT_TYPE ?? 'application/vnd.api+json';
const PATH = '/api/v2/account/details';

const main = async () => {
  if (kind === 'fastify') {
    const app = Fastify({ logger: false });
    app.get(PATH, async (_request, reply) => reply.header('content-type', contentType).send(body));
    app.get('/readyz', async () => ({ status: 'ok' }));
    await app.listen({ port, host: '127.0.0.1' });
    process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
  } else if (kind === 'http') {
    const server = createServer((request, response) => {
      if (request.method === 'GET' && (request.url === PATH || request.url === '/readyz')) {
        response.writeHead(200, { 'content-type': contentType, 'content-length': body.length });
        response.end(body);
      } else {
        response.writeHead(404).end();
      }
    });
    server.keepAliveTimeout = 72_000; // Fastify's default: idle keep-alive sockets are not closed mid-cell
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    process.once('SIGTERM', () => server.close(() => process.exit(0)));
  } else throw new Error(`BARE_KIND must be fastify or http, not ${kind}`);
  console.log(`listening ${port}`);
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
