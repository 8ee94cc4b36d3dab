import { CloudAssembly } from 'aws-cdk-lib/cx-api';

// aws-cdk-lib deletes temporary cloud assemblies on process exit, an event
// jest does not deliver; clean up after each test file instead.
afterAll(() => CloudAssembly.cleanupTemporaryDirectories());
