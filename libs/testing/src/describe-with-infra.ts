import { appendFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { type InfraKind, INFRA_ENV, reasonEnv, resolvedEnv } from './infra';

export type InfraUrls = Partial<Record<InfraKind, string>>;

/** Pieces whose absence is a loud skip even in CI: EventStoreDB cannot be had on the CI machine. */
const OPTIONAL_IN_CI: readonly InfraKind[] = ['eventstore'];

const urlOf = (kind: InfraKind): string | undefined =>
  process.env[resolvedEnv(kind)] ?? process.env[INFRA_ENV[kind]];

/**
 * `describe` for a suite that needs real infrastructure, resolved once per run by the global setup.
 * Missing pieces turn the suite into a loud skip with the reason (recorded for the end-of-run summary);
 * under `CI=true` a missing piece other than EventStoreDB becomes a failing test instead.
 */
export const describeWithInfra = (
  kinds: InfraKind[],
  name: string,
  fn: (infra: () => InfraUrls) => void,
): void => {
  const urls: InfraUrls = {};
  const missing: string[] = [];
  for (const kind of kinds) {
    const url = urlOf(kind);
    if (url) urls[kind] = url;
    else
      missing.push(
        `${kind}: ${process.env[reasonEnv(kind)] ?? 'not resolved (run through the workspace Jest config)'}`,
      );
  }
  const infra = () => urls;
  if (missing.length === 0) return describe(name, () => fn(infra));

  const required = kinds.filter((k) => !urls[k] && !OPTIONAL_IN_CI.includes(k));
  if (process.env.CI === 'true' && required.length > 0) {
    describe(name, () => {
      it(`has its infrastructure (${required.join(', ')})`, () => {
        throw new Error(`CI requires real infrastructure, missing: ${missing.join('; ')}`);
      });
    });
    return;
  }
  recordSkip(`SKIPPED (infrastructure) "${name}": ${missing.join('; ')}`);
  describe.skip(name, () => fn(infra));
};

const recordSkip = (line: string) => {
  console.warn(`\n  ⚠  ${line}\n`);
  if (process.env.IDP_TEST_SKIP_LOG) appendFileSync(process.env.IDP_TEST_SKIP_LOG, `${line}\n`);
};

/**
 * `it` when `supported`, otherwise a skipped test announced loudly with `reason` (and listed at the end of the
 * run): for what a server legitimately cannot do, decided before tests are defined, never by returning early.
 */
export const itWhen = (supported: boolean, reason: string) =>
  supported
    ? it
    : (name: string, fn?: jest.ProvidesCallback, timeout?: number) => {
        recordSkip(`SKIPPED (capability) "${name}": ${reason}`);
        it.skip(name, fn, timeout);
      };

/** A name unique to this run, safe for databases, topics, groups, collections and streams. */
export const uniqueName = (prefix: string): string =>
  `${prefix}_${Date.now().toString(36)}${randomBytes(4).toString('hex')}`.toLowerCase();
