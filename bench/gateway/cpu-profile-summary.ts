/**
 * Where a `--cpu-prof` profile's time went, for `auth.bench.ts` (BENCH_AUTH_CPU_PROF=<folder>): self time by
 * function and by area (workspace lib, npm package, Node internals, GC, idle), and the share of the samples whose
 * stack passes through each of a few markers (inclusive time).
 *
 *   node -r ./tools/jest/register-ts.js bench/gateway/cpu-profile-summary.ts <file.cpuprofile> [--window <fromUs>-<toUs>] [--top 40]
 *
 * `--window`: only the samples between two CLOCK_MONOTONIC instants in µs (the clock of V8's profile timestamps),
 * as `auth.bench.ts` prints them for each cell when profiling, so that start-up (TypeScript compiled on load) and
 * the other cells do not count.
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const file = args.find((a, i) => i === 0 || (!a.startsWith('--') && !args[i - 1]!.startsWith('--')));
const windowArg = args[args.indexOf('--window') + 1];
const top = Number(args[args.indexOf('--top') + 1] ?? 40) || 40;
/** `--who <text>`: for samples inside frames whose URL contains the text, the workspace frames that called in. */
const who = args.includes('--who') ? args[args.indexOf('--who') + 1] : undefined;
if (!file) throw new Error('usage: cpu-profile-summary.ts <file.cpuprofile> [--window from-to] [--top n]');
const [from, to] =
  args.includes('--window') && windowArg ? windowArg.split('-').map(Number) : [-Infinity, Infinity];

const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

/** Area of a frame: a workspace lib, an npm package, a Node internal, or V8's pseudo-frames. */
const area = (n: Node): string => {
  const { url, functionName } = n.callFrame;
  if (!url) return `(${functionName || 'native'})`.replace(/^\(\((.*)\)\)$/, '($1)');
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/').slice(0, 2).join('/')}`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const eventing = /\/libs\/eventing\/src\/([^/]+)\//.exec(url);
  if (eventing) return `libs/eventing/${eventing[1]}`;
  const lib = /\/(libs|apps|bench|tools)\/([^/]+)\//.exec(url);
  if (lib) return `${lib[1]}/${lib[2]}`;
  return url;
};
const label = (n: Node) => {
  const short = n.callFrame.url.replace(/^.*\/(node_modules|libs|apps)\//, '$1/');
  return `${n.callFrame.functionName || '(anonymous)'} ${short}:${n.callFrame.lineNumber + 1}`;
};

const self = new Map<string, number>();
const areas = new Map<string, number>();
const inclusive = new Map<string, number>();
const callers = new Map<string, number>();
const isWorkspace = (n: Node) =>
  /\/(libs|apps)\//.test(n.callFrame.url) && !n.callFrame.url.includes('node_modules');
const markers: Array<[string, (n: Node) => boolean]> = [
  ['@electric-sql/pglite (any frame)', (n) => n.callFrame.url.includes('@electric-sql/pglite')],
  ['libs/eventing bus (in-process)', (n) => n.callFrame.url.includes('/libs/eventing/src/bus/')],
  ['@nestjs/microservices', (n) => n.callFrame.url.includes('@nestjs/microservices')],
  ['libs/gateway', (n) => n.callFrame.url.includes('/libs/gateway/')],
  ['libs/identity', (n) => n.callFrame.url.includes('/libs/identity/')],
  ['libs/token', (n) => n.callFrame.url.includes('/libs/token/')],
  ['libs/eventing read-store', (n) => n.callFrame.url.includes('/libs/eventing/src/read-store/')],
  ['libs/eventing event-store', (n) => n.callFrame.url.includes('/libs/eventing/src/event-store/')],
  ['libs/eventing projection', (n) => n.callFrame.url.includes('/libs/eventing/src/projection/')],
  ['pino / nestjs-pino', (n) => /node_modules\/(pino|nestjs-pino|pino-http)/.test(n.callFrame.url)],
  ['zod', (n) => n.callFrame.url.includes('node_modules/zod')],
  ['structuredClone', (n) => n.callFrame.functionName === 'structuredClone'],
  ['fastify', (n) => n.callFrame.url.includes('node_modules/fastify')],
];
let total = 0;
let t = profile.startTime;
for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i] ?? 0;
  t += dt;
  if (t < from! || t > to!) continue;
  const node = byId.get(profile.samples[i]!)!;
  total += dt;
  self.set(label(node), (self.get(label(node)) ?? 0) + dt);
  areas.set(area(node), (areas.get(area(node)) ?? 0) + dt);
  const seen = new Set<string>();
  for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
    const n = byId.get(id)!;
    for (const [name, test] of markers) if (!seen.has(name) && test(n)) seen.add(name);
  }
  for (const name of seen) inclusive.set(name, (inclusive.get(name) ?? 0) + dt);
  if (who) {
    // Walk up from the leaf: once inside a `who` frame, the first three workspace frames above it name the caller.
    let inside = false;
    const chain: string[] = [];
    for (let id: number | undefined = node.id; id !== undefined && chain.length < 3; id = parent.get(id)) {
      const n = byId.get(id)!;
      if (n.callFrame.url.includes(who)) inside = true;
      else if (inside && isWorkspace(n)) chain.push(label(n).replace(/ libs\//, ' '));
    }
    if (inside)
      callers.set(
        chain.join(' ← ') || '(no workspace frame)',
        (callers.get(chain.join(' ← ') || '(no workspace frame)') ?? 0) + dt,
      );
  }
}

/** Self time grouped into the layers a request crosses (first match wins; the rest is "other"). */
const GROUPS: Array<[string, (area: string) => boolean]> = [
  [
    'event store: PGlite (JavaScript, WebAssembly) + libs/eventing/event-store',
    (a) => a.startsWith('wasm://') || a === '@electric-sql/pglite' || a === 'libs/eventing/event-store',
  ],
  ['garbage collector', (a) => a === '(garbage collector)'],
  ['idle (main thread waiting)', (a) => a === '(idle)'],
  ['pino, pino-http, redaction', (a) => /pino/.test(a)],
  [
    'bus: @nestjs/microservices, rxjs, libs/eventing/bus (+ kafkajs partitioner)',
    (a) => /^(@nestjs\/microservices|rxjs|libs\/eventing\/bus|kafkajs)$/.test(a),
  ],
  [
    'HTTP: fastify, @nestjs/core, middie, node:http, socket writes',
    (a) =>
      /^(fastify|@nestjs\/(core|platform-fastify|common)|@fastify\/.*|find-my-way|node:_http.*|node:net|node:internal\/(streams|http|stream_base_commons)|\((writev|writeLatin1String|writeUtf8String|utf8Write)\))$/.test(
        a,
      ),
  ],
  [
    'async context: node:async_hooks, node:internal/util (AsyncResource.bind → util.deprecate, per Nest interceptor)',
    (a) => /^node:(async_hooks|internal\/async_hooks|internal\/util)$/.test(a),
  ],
  ['libs/gateway', (a) => a === 'libs/gateway'],
  ['libs/identity, libs/token', (a) => a === 'libs/identity' || a === 'libs/token'],
];
const groups = new Map<string, number>();
for (const [a, v] of areas) {
  const name = GROUPS.find(([, test]) => test(a))?.[0] ?? 'other (node internals, zod, …)';
  groups.set(name, (groups.get(name) ?? 0) + v);
}

const pct = (v: number) => `${((100 * v) / total).toFixed(1).padStart(5)} %`;
const ms = (v: number) => `${(v / 1000).toFixed(0).padStart(7)} ms`;
const print = (title: string, m: Map<string, number>, n: number) => {
  console.log(`\n${title}`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n))
    console.log(`${pct(v)} ${ms(v)}  ${k}`);
};
console.log(`${file}: ${(total / 1e6).toFixed(2)} s of samples in the window`);
print('self time by layer', groups, GROUPS.length + 1);
print('self time by area', areas, 25);
print('inclusive time (stack passes through)', inclusive, markers.length);
print('self time by function', self, top);
if (who) print(`callers into ${who} (workspace frames, innermost first)`, callers, top);
