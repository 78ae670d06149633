// Unit tests: pure code and services with their I/O replaced; no database, no Redis. Files: *.spec.ts next to the code.
const shared = require('./jest.shared');

module.exports = {
  ...shared,
  displayName: 'unit',
  testMatch: [
    '<rootDir>/apps/**/*.spec.ts',
    '<rootDir>/libs/**/*.spec.ts',
    '<rootDir>/test/unit/**/*.spec.ts',
  ],
};
