require('./register-ts');
module.exports = require('../../libs/testing/src/global-teardown').default;
