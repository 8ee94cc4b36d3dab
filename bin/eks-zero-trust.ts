#!/usr/bin/env node
// The eks-zero-trust command. It never loads aws-cdk-lib (see bin/cli.ts).
import { runCli } from './cli';

/**
 * Ends the process once standard output and error are flushed (pipes are
 * asynchronous on some systems). Exiting at once spares Node tearing down
 * the heap of a large analysis, which takes tens of milliseconds.
 */
function finish(code: number): void {
  let pending = 2;
  const done = () => { if (--pending === 0) process.exit(code); };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

runCli(process.argv).then(finish, (e: Error) => {
  process.stderr.write(`error: ${e.message}\n`);
  finish(2);
});
