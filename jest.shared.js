// Shared by the unit and end-to-end configurations: TypeScript through SWC (fast, with decorator metadata
// for Nest and TypeORM) and the same path aliases as tsconfig.json.
const swcTransform = [
  '<rootDir>/test/support/jest-transformer.js',
  {
    jsc: {
      // Rewrites the @registry/* aliases at compile time, which also covers globalSetup (it ignores moduleNameMapper).
      baseUrl: __dirname,
      paths: require('./tsconfig.json').compilerOptions.paths,
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)s$': swcTransform },
  // ES-module-only packages must be compiled to CommonJS for Jest (see test/support/jest-transformer.js).
  transformIgnorePatterns: [
    '/node_modules/(?!(@nestjs|file-type|strtok3|token-types|@tokenizer|uint8array-extras|load-esm)/)',
  ],
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: {
    '^@registry/(domain|config|persistence|jobs|platform|sponsor-reports)$': '<rootDir>/libs/$1/src',
    '^@registry/(domain|config|persistence|jobs|platform|sponsor-reports)/(.*)$': '<rootDir>/libs/$1/src/$2',
  },
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/dist-bench/'],
  // No secret has a default: each run generates its own (test/support/test-secrets.ts).
  setupFiles: ['<rootDir>/test/support/test-secrets.setup.ts'],
};
