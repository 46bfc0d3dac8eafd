import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { workspaceRoot } from './infra';

// The layering of docs/architecture.md is a lint error, not a convention: prove the rule fires.
describe('workspace layering (@nx/enforce-module-boundaries)', () => {
  const root = workspaceRoot();
  let eslint: ESLint;

  beforeAll(() => {
    // The rule reads Nx's cached project graph; compute it once, without the daemon.
    execFileSync(join(root, 'node_modules/.bin/nx'), ['show', 'projects'], {
      cwd: root,
      env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
      stdio: 'ignore',
    });
    eslint = new ESLint({ cwd: root });
  }, 60_000);

  const lint = async (file: string, code: string) => {
    const [result] = await eslint.lintText(code, { filePath: join(root, file) });
    return result!.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
  };

  it('refuses a service lib importing another service lib', async () => {
    const errors = await lint(
      'libs/identity/src/x.ts',
      "import { MembershipModule } from '@idp/membership';\nexport const m = MembershipModule;\n",
    );
    expect(errors.join('\n')).toMatch(/can only depend on libs tagged with/);
  });

  it('refuses the gateway importing a service lib (it talks through contracts)', async () => {
    const errors = await lint(
      'libs/gateway/src/x.ts',
      "import { TokenModule } from '@idp/token';\nexport const m = TokenModule;\n",
    );
    expect(errors).not.toHaveLength(0);
  });

  it('allows a service lib to use eventing and contracts, and an app to compose services', async () => {
    expect(
      await lint(
        'libs/identity/src/x.ts',
        "import { handleCommand } from '@idp/eventing';\nimport { eventsTopic } from '@idp/contracts';\nexport const a = [handleCommand, eventsTopic];\n",
      ),
    ).toEqual([]);
    expect(
      await lint(
        'apps/platform/src/x.ts',
        "import { IdentityModule } from '@idp/identity';\nexport const m = IdentityModule;\n",
      ),
    ).toEqual([]);
  });
});
