#!/usr/bin/env node
// The eks-zero-trust command. It never loads aws-cdk-lib (see bin/cli.ts).
import { runCli } from './cli';

runCli(process.argv).then((code) => { process.exitCode = code; }, (e: Error) => {
  process.stderr.write(`error: ${e.message}\n`);
  process.exitCode = 2;
});
