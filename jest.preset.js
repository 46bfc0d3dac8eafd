// Shared Jest settings for every project. SWC transforms TypeScript (decorators and metadata included);
// workspace imports (@idp/*) resolve to sources so tests never need a build first.
const path = require('node:path');
const fs = require('node:fs');
const swcrc = JSON.parse(fs.readFileSync(path.join(__dirname, '.swcrc'), 'utf8'));

module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest', { ...swcrc, swcrc: false }] },
  // ESM-only packages (uuid, @noble/*, @scure/*) must be transformed too.
  // content-disposition: ESM-only dependency of @fastify/static (Node loads it through require(esm), Jest does not).
  transformIgnorePatterns: [
    '/node_modules/(?!.*/node_modules/content-disposition/)(?!(uuid|@noble|@scure|content-disposition)/)',
  ],
  moduleNameMapper: {
    '^@idp/([a-z-]+)$': path.join(__dirname, 'libs/$1/src/index.ts'),
    '^@idp/([a-z-]+)/testing$': path.join(__dirname, 'libs/$1/src/testing/index.ts'),
  },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  setupFiles: [path.join(__dirname, 'tools/jest/setup.js')],
  testTimeout: 30000,
  globalSetup: path.join(__dirname, 'tools/jest/global-setup.js'),
  globalTeardown: path.join(__dirname, 'tools/jest/global-teardown.js'),
};
