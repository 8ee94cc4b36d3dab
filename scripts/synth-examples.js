#!/usr/bin/env node
// Synthesizes every example (compiled by `npm run build`) into cdk.out/examples/<name>/,
// the directory the manifest validator reads in .ci/run.
const fs = require('fs');
const path = require('path');
const { App } = require('aws-cdk-lib');
const { EXAMPLES } = require('../dist/examples');

const root = path.join(__dirname, '..', 'cdk.out', 'examples');
fs.rmSync(root, { recursive: true, force: true });
for (const [name, build] of Object.entries(EXAMPLES)) {
  const outdir = path.join(root, name);
  const started = process.hrtime.bigint();
  const assembly = build(new App({ outdir })).synth();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  console.log(`${name}: ${assembly.stacks.map((s) => s.stackName).join(', ')} in ${ms.toFixed(0)} ms`);
}
