/**
 * Event store throughput: appends/s and readAll events/s per adapter at 1, 8 and 64 concurrent writers, with the
 * in-memory adapter of the same run as the baseline. Each cell is bounded (3,000 appends or 10 s, whichever comes
 * first). Every append is one ~200-byte event to the writer's own stream with an exact expected revision (the
 * command handler's pattern). readAll reads the cell's events back in pages of 1,000.
 *
 * Run: node -r ./tools/jest/register-ts.js bench/event-store/event-store.bench.ts
 * PostgreSQL: POSTGRES_URL or the deploy/local instance (a throwaway database is created and dropped).
 * EventStoreDB: only when EVENTSTORE_URL is set.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPostgresDatabase, localInstanceUrls } from '../../libs/testing/src';
import {
  type EventStore,
  InMemoryEventStore,
  openKurrentDBEventStore,
  openPGliteEventStore,
  openPostgresEventStore,
  type Position,
} from '../../libs/eventing/src/event-store';

const WRITERS = [1, 8, 64];
const MAX_APPENDS = 3_000;
const MAX_MS = 10_000;
const READ_PAGE = 1_000;

interface Cell {
  adapter: string;
  writers: number;
  appends: number;
  appendsPerSec: number;
  p50: number;
  p99: number;
  readPerSec: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;

const runCell = async (adapter: string, store: EventStore, writers: number): Promise<Cell> => {
  const start: Position = (await store.headPosition()) ?? 0n;
  const tag = `${adapter.replace(/\W/g, '')}${writers}-${Date.now().toString(36)}`;
  const payload = { username: 'ada.lovelace', email: 'ada@example.com', note: 'x'.repeat(120) };
  const latencies: number[] = [];
  let issued = 0;
  const began = performance.now();
  const deadline = began + MAX_MS;
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      const stream = `bench-${tag}-${w}`;
      for (let revision = -1; issued < MAX_APPENDS && performance.now() < deadline; revision++) {
        issued++;
        const t = performance.now();
        await store.append(
          stream,
          [{ type: 'BenchEventAppended', data: { ...payload, revision } }],
          revision === -1 ? 'no_stream' : revision,
        );
        latencies.push(performance.now() - t);
      }
    }),
  );
  const writeMs = performance.now() - began;

  const readBegan = performance.now();
  let read = 0;
  for (let cursor = start; ;) {
    const page = await store.readAll(cursor, READ_PAGE);
    if (page.length === 0) break;
    read += page.length;
    cursor = page.at(-1)!.position;
  }
  const readMs = performance.now() - readBegan;
  if (read < latencies.length)
    throw new Error(`${adapter}: read ${read} of ${latencies.length} appended events`);

  latencies.sort((a, b) => a - b);
  return {
    adapter,
    writers,
    appends: latencies.length,
    appendsPerSec: latencies.length / (writeMs / 1000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    readPerSec: read / (readMs / 1000),
  };
};

const main = async () => {
  const cleanups: Array<() => Promise<void>> = [];
  const adapters: Array<[string, () => Promise<EventStore>]> = [
    ['in-memory', async () => new InMemoryEventStore()],
  ];

  adapters.push([
    'PGlite (folder)',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'bench-pglite-'));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      return openPGliteEventStore({ dataDir: dir });
    },
  ]);

  const pgServer = process.env.POSTGRES_URL ?? localInstanceUrls().postgres;
  if (pgServer) {
    adapters.push([
      'PostgreSQL',
      async () => {
        const db = await createPostgresDatabase(pgServer, 'bench');
        cleanups.push(() => db.drop());
        return openPostgresEventStore({ url: db.url, poolSize: 20 });
      },
    ]);
  } else console.warn('PostgreSQL skipped: no POSTGRES_URL and no deploy/local instance');

  if (process.env.EVENTSTORE_URL)
    adapters.push(['EventStoreDB', () => openKurrentDBEventStore({ url: process.env.EVENTSTORE_URL! })]);
  else console.warn('EventStoreDB skipped: EVENTSTORE_URL is not set');

  const cells: Cell[] = [];
  try {
    for (const [name, open] of adapters) {
      const store = await open();
      try {
        for (const writers of WRITERS) {
          const cell = await runCell(name, store, writers);
          cells.push(cell);
          console.error(
            `${name} × ${writers}: ${cell.appendsPerSec.toFixed(0)} appends/s, ${cell.readPerSec.toFixed(0)} read/s`,
          );
        }
      } finally {
        await store.close();
      }
    }
  } finally {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  }

  const baseline = new Map(cells.filter((c) => c.adapter === 'in-memory').map((c) => [c.writers, c]));
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  // Ratio to the in-memory baseline of this run at the same writer count: 1× = as fast, 0.02× = 50 times slower.
  const x = (ratio: number) => `${ratio >= 0.1 ? ratio.toFixed(2) : ratio.toPrecision(2)}×`;
  const rows = cells.map((c) => {
    const b = baseline.get(c.writers)!;
    return `| ${c.adapter} | ${c.writers} | ${n(c.appends)} | ${n(c.appendsPerSec)} | ${c.p50.toFixed(2)} | ${c.p99.toFixed(2)} | ${n(c.readPerSec)} | ${x(c.appendsPerSec / b.appendsPerSec)} | ${x(c.readPerSec / b.readPerSec)} |`;
  });
  console.log(
    [
      `Event store benchmark (${new Date().toISOString()}, Node ${process.version}; ≤ ${n(MAX_APPENDS)} single-event appends or ${MAX_MS / 1000} s per cell)`,
      '',
      '| adapter | writers | appends | appends/s | p50 ms | p99 ms | readAll events/s | appends/s × in-memory | readAll × in-memory |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...rows,
    ].join('\n'),
  );
};

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
