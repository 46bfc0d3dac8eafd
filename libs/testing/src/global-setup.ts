import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INFRA_KINDS, flavorEnv, probeFlavor, reasonEnv, resolveInfra, resolvedEnv } from './infra';

/**
 * Jest global setup: resolves every piece of infrastructure once per run (env URL → deploy/local instance →
 * testcontainers) and hands the answers to the workers through the environment.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.IDP_TEST_INFRA_RESOLVED) return; // once per run, even with several projects
  process.env.IDP_TEST_INFRA_RESOLVED = '1';
  process.env.IDP_TEST_SKIP_LOG = join(mkdtempSync(join(tmpdir(), 'idp-test-')), 'skips.log');
  const results = await Promise.all(INFRA_KINDS.map(resolveInfra));
  const lines: string[] = [];
  for (const r of results) {
    if (r.url) {
      process.env[resolvedEnv(r.kind)] = r.url;
      const flavor = await probeFlavor(r.kind, r.url);
      if (flavor) process.env[flavorEnv(r.kind)] = flavor;
      lines.push(`  ${r.kind.padEnd(10)} ${r.url} (${r.source}${flavor ? `, ${flavor}` : ''})`);
    } else {
      process.env[reasonEnv(r.kind)] = r.reason;
      lines.push(`  ${r.kind.padEnd(10)} MISSING: ${r.reason}`);
    }
  }
  console.log(`\nTest infrastructure:\n${lines.join('\n')}\n`);
}
