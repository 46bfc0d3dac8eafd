// Minimal require hook: compiles workspace TypeScript with SWC on load (used by Jest's global setup and by
// bench scripts). Only files under the workspace, outside node_modules, are compiled.
const fs = require('node:fs');
const path = require('node:path');
const { transformSync } = require('@swc/core');
const root = path.join(__dirname, '../..');
const swcrc = JSON.parse(fs.readFileSync(path.join(root, '.swcrc'), 'utf8'));
const Module = require('node:module');

if (!global.__idpTsRegistered) {
  global.__idpTsRegistered = true;
  require('reflect-metadata');
  const origResolve = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    const m = /^@idp\/([a-z-]+)$/.exec(request);
    if (m) request = path.join(root, 'libs', m[1], 'src/index.ts');
    return origResolve.call(this, request, ...rest);
  };
  require.extensions['.ts'] = (module, filename) => {
    const src = fs.readFileSync(filename, 'utf8');
    const { code } = transformSync(src, { ...swcrc, swcrc: false, filename, sourceMaps: 'inline' });
    module._compile(code, filename);
  };
}
