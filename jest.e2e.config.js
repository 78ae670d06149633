// End-to-end and integration tests: the real API and worker on real PostgreSQL and Redis.
// globalSetup migrates one template database per run; each test file clones its own from it.
const shared = require('./jest.shared');

module.exports = {
  ...shared,
  displayName: 'e2e',
  testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 30000,
  // Two cores: two files at once keeps the suite quick without starving PostgreSQL.
  maxWorkers: 2,
};
