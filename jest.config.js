/**
 * Tests are transpiled without type-checking (fast); `npm test` runs one
 * `tsc --noEmit` over the whole project first, so types are still checked.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
  moduleNameMapper: {
    '^eks-zero-trust$': '<rootDir>/lib/index.ts',
    '^eks-zero-trust/blueprints$': '<rootDir>/lib/blueprints/index.ts',
  },
};
