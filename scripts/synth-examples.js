#!/usr/bin/env node
// Synthesizes every example (compiled by `npm run build`) into cdk.out/examples/<name>/,
// the directory the manifest validator reads in .ci/run.
const fs = require('fs');
const path = require('path');
const { App } = require('aws-cdk-lib');
const { EXAMPLES, ASYNC_EXAMPLES } = require('../dist/examples');

const root = path.join(__dirname, '..', 'cdk.out', 'examples');
fs.rmSync(root, { recursive: true, force: true });
async function main() {
  for (const [name, build] of [...Object.entries(EXAMPLES), ...Object.entries(ASYNC_EXAMPLES)]) {
    const outdir = path.join(root, name);
    const started = process.hrtime.bigint();
    const assembly = (await build(new App({ outdir }))).synth();
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    console.log(`${name}: ${assembly.stacks.map((s) => s.stackName).join(', ')} in ${ms.toFixed(0)} ms`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
