// Unit specs live beside the code (src/, *.spec.ts); e2e and interop specs under test/.
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  // The benchmark's own test runs alone, after this suite (jest.bench.config.js).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/bench/'],
  // jose ships ESM only; ts-jest transpiles it to CommonJS for jest's module system.
  transform: {
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }],
  },
  // content-disposition 3 (under @fastify/static, which serves the Swagger UI) is ESM only too, and
  // so are openid-client and its oauth4webapi (the tests' relying party).
  transformIgnorePatterns: ['^(?!.*/node_modules/(jose|content-disposition|openid-client|oauth4webapi)/).*/node_modules/'],
  testTimeout: 30000,
  // Jest's default on a 2-core machine is one worker; most suites spend their time waiting on the
  // servers and tools they start (openssl, slapd, redis, chromium), so two keep both cores busy.
  maxWorkers: 2,
};
