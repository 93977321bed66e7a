// `npm run bench -- --quick` as a test, run after the main suite (npm test) so its load does not
// slow the timing-sensitive e2e specs running beside it.
const base = require('./jest.config.js');

module.exports = { ...base, roots: ['<rootDir>/test/bench'], testPathIgnorePatterns: [], testTimeout: 300000, maxWorkers: 1 };
