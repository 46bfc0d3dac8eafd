// Global setup runs outside Jest's transform pipeline for the root config: register SWC for the TS source.
require('./register-ts');
module.exports = require('../../libs/testing/src/global-setup').default;
