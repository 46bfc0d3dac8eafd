// The whole workspace in one Jest run (`npm test`): every project, one summary.
const path = require('node:path');
const { readdirSync, existsSync } = require('node:fs');

const projects = ['apps', 'libs'].flatMap((dir) =>
  readdirSync(path.join(__dirname, dir))
    .map((name) => path.join(__dirname, dir, name))
    .filter((p) => existsSync(path.join(p, 'jest.config.js'))),
);

module.exports = {
  projects,
  globalSetup: '<rootDir>/tools/jest/global-setup.js',
  globalTeardown: '<rootDir>/tools/jest/global-teardown.js',
  reporters: ['default', '<rootDir>/tools/jest/summary-reporter.js'],
  // A global option: Jest ignores it in the projects' configs (jest.preset.js) when it runs them together, which left
  // every test without an explicit timeout at Jest's 5 s (argon2id and Kafka tests timed out on a loaded machine).
  testTimeout: 30000,
};
