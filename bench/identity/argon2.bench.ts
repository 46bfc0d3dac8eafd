/**
 * Password hashing benchmark: argon2id hash and verify rate with the OWASP parameters (m=19456 KiB, t=2, p=1), at 1
 * and 2 concurrent workers, raw (@node-rs/argon2 called directly) and through `Argon2idPasswordHasher` (the port
 * adapter: normalisation, input cap, concurrency limit). The raw 1-worker figure of each operation is the baseline
 * of the same run; it is also the ceiling a later "logins/s" benchmark is compared with.
 *
 *   node -r ./tools/jest/register-ts.js bench/identity/argon2.bench.ts
 *
 * @node-rs/argon2 computes on libuv's thread pool (UV_THREADPOOL_SIZE, default 4), so W workers = W hashes in
 * flight at once; on C cores throughput should scale up to min(W, C). Each cell stops at BENCH_ARGON2_OPS
 * operations (default 200) or 10 s, whichever comes first, after a short warm-up. The cells run interleaved, in
 * 4 rounds of a quarter of their budget each, so that a burst of load from other processes spreads over all cells
 * instead of skewing one ratio. Nothing to clean up.
 */
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import type { Algorithm, Options } from '@node-rs/argon2';
import {
  Argon2idPasswordHasher,
  defaultMaxConcurrent,
  OWASP_ARGON2ID_PARAMS,
} from '../../libs/identity/src/infrastructure/password';

const MAX_OPS = Number(process.env.BENCH_ARGON2_OPS ?? 200);
const MAX_MS = 10_000;
const ROUNDS = 4;
const WARM_UP = 4;
const WORKERS = (process.env.BENCH_ARGON2_WORKERS ?? '1,2').split(',').map(Number);
const PASSWORD = 'correct horse battery staple';

const RAW_OPTIONS: Options = { ...OWASP_ARGON2ID_PARAMS, algorithm: 2 as Algorithm, version: 1 };

interface Implementation {
  name: string;
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
}

interface CellSpec {
  operation: 'hash' | 'verify';
  implementation: Implementation;
  workers: number;
}

interface Cell {
  operation: CellSpec['operation'];
  implementation: string;
  workers: number;
  ops: number;
  opsPerSec: number;
  p50: number;
  p99: number;
}

interface Tally {
  latencies: number[];
  ms: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;

const operationOf = ({ operation, implementation }: CellSpec, storedHash: string) =>
  operation === 'hash'
    ? () => implementation.hash(PASSWORD).then(() => true)
    : () => implementation.verify(storedHash, PASSWORD);

/** One round of a cell: `ops` operations (or until `ms` elapse) spread over the cell's workers. */
const runRound = async (spec: CellSpec, storedHash: string, ops: number, ms: number, tally: Tally) => {
  const once = operationOf(spec, storedHash);
  let issued = 0;
  const began = performance.now();
  const deadline = began + ms;
  await Promise.all(
    Array.from({ length: spec.workers }, async () => {
      while (issued < ops && performance.now() < deadline) {
        issued++;
        const t = performance.now();
        if (!(await once()))
          throw new Error(`${spec.implementation.name}: verify answered false for the right password`);
        tally.latencies.push(performance.now() - t);
      }
    }),
  );
  tally.ms += performance.now() - began;
};

const toCell = (spec: CellSpec, { latencies, ms }: Tally): Cell => {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    operation: spec.operation,
    implementation: spec.implementation.name,
    workers: spec.workers,
    ops: sorted.length,
    opsPerSec: sorted.length / (ms / 1000),
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
  };
};

const main = async () => {
  if (WORKERS.some((w) => !Number.isInteger(w) || w < 1)) throw new Error('BENCH_ARGON2_WORKERS: e.g. "1,2"');
  const adapter = new Argon2idPasswordHasher();
  const implementations: Implementation[] = [
    {
      name: 'raw @node-rs/argon2',
      hash: (password) => argon2Hash(password, RAW_OPTIONS),
      verify: (hash, password) => argon2Verify(hash, password),
    },
    {
      name: 'Argon2idPasswordHasher',
      hash: (password) => adapter.hash(password),
      verify: (hash, password) => adapter.verify(hash, password),
    },
  ];
  const storedHash = await adapter.hash(PASSWORD);
  console.error(
    `${availableParallelism()} cores, UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? '4 (default)'}, ` +
      `adapter maxConcurrent=${defaultMaxConcurrent()}, load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
  );

  const specs: CellSpec[] = [];
  for (const operation of ['hash', 'verify'] as const)
    for (const implementation of implementations)
      for (const workers of WORKERS) specs.push({ operation, implementation, workers });
  for (const spec of specs) {
    const once = operationOf(spec, storedHash);
    for (let i = 0; i < WARM_UP; i++) await once();
  }
  const tallies = specs.map((): Tally => ({ latencies: [], ms: 0 }));
  for (let round = 0; round < ROUNDS; round++)
    for (const [i, spec] of specs.entries())
      await runRound(spec, storedHash, Math.ceil(MAX_OPS / ROUNDS), MAX_MS / ROUNDS, tallies[i]);
  const cells = specs.map((spec, i) => toCell(spec, tallies[i]));
  for (const cell of cells)
    console.error(
      `${cell.operation} ${cell.implementation} × ${cell.workers}: ${cell.opsPerSec.toFixed(1)}/s, p50 ${cell.p50.toFixed(1)} ms`,
    );

  const baseline = new Map(
    cells
      .filter((c) => c.implementation === implementations[0].name && c.workers === WORKERS[0])
      .map((c) => [c.operation, c]),
  );
  const f = (n: number, digits = 1) =>
    n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  const x = (ratio: number) => `${ratio.toFixed(2)}×`;
  const { memoryCost, timeCost, parallelism } = OWASP_ARGON2ID_PARAMS;
  console.log(
    [
      `argon2id benchmark (${new Date().toISOString()}, Node ${process.version}, ${availableParallelism()} cores, ` +
        `UV_THREADPOOL_SIZE ${process.env.UV_THREADPOOL_SIZE ?? 4}; m=${memoryCost} KiB, t=${timeCost}, ` +
        `p=${parallelism}; ≤ ${MAX_OPS} operations or ${MAX_MS / 1000} s per cell)`,
      '',
      `| operation | implementation | workers | operations | ops/s | p50 ms | p99 ms | ops/s × raw, ${WORKERS[0]} worker |`,
      '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...cells.map(
        (c) =>
          `| ${c.operation} | ${c.implementation} | ${c.workers} | ${c.ops} | ${f(c.opsPerSec)} | ${f(c.p50)} | ${f(c.p99)} | ${x(c.opsPerSec / baseline.get(c.operation)!.opsPerSec)} |`,
      ),
    ].join('\n'),
  );
};

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
