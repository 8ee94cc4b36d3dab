/**
 * Tests are transpiled without type-checking (fast); `npm test` runs one
 * `tsc --noEmit` over the whole project first, so types are still checked.
 */
module.exports = {
  testEnvironment: 'node',
  // Always run suites in worker processes (jest would run in band on this
  // 2-core machine). Run in band, the jest process keeps one core at 100% at
  // exit after the suites pass (seen with several EKS stacks synthesized in one
  // process, cause not yet found); worker processes are ended by jest.
  maxWorkers: 2,
  workerIdleMemoryLimit: '1GB',
  setupFilesAfterEnv: ['<rootDir>/test/setup.ts'],
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
  moduleNameMapper: {
    '^eks-zero-trust$': '<rootDir>/lib/index.ts',
    '^eks-zero-trust/blueprints$': '<rootDir>/lib/blueprints/index.ts',
    '^eks-zero-trust/analysis$': '<rootDir>/lib/analysis/index.ts',
    '^eks-zero-trust/recommend$': '<rootDir>/lib/recommend/index.ts',
    '^eks-zero-trust/validation$': '<rootDir>/lib/validation/index.ts',
  },
};
