#!/usr/bin/env node
// npm run bench: prints measured figures. Goals from the issues are checked here,
// never in timed tests. Each case runs in a fresh node process, 5 times; the
// median is reported. Runs are interleaved so drift on the machine hits all cases alike.
const { execFileSync } = require('child_process');
const path = require('path');

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const CASES = ['empty-stack', 'bare-eks-cluster-with-helm-chart', 'secured-cluster'];
const samples = Object.fromEntries(CASES.map((c) => [c, []]));

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

for (let run = 0; run < RUNS; run++) {
  for (const name of CASES) {
    const out = execFileSync(process.execPath, [path.join(__dirname, 'bench-case.js'), name], { encoding: 'utf8' });
    samples[name].push(JSON.parse(out));
    process.stderr.write('.');
  }
}
process.stderr.write('\n');

console.log(`Synth wall time (node start excluded, module loading included), median of ${RUNS} runs`);
console.log('case                               median ms   template bytes   resources');
const medians = {};
for (const name of CASES) {
  const s = samples[name];
  medians[name] = median(s.map((x) => x.ms));
  console.log(`${name.padEnd(34)} ${medians[name].toFixed(0).padStart(9)} ${String(s[0].bytes).padStart(16)} ${String(s[0].resources).padStart(11)}`);
}
const ratio = medians['secured-cluster'] / medians['bare-eks-cluster-with-helm-chart'];
console.log(`ratio secured-cluster / bare-eks-cluster: ${ratio.toFixed(2)} (goal <= 1.30: ${ratio <= 1.3 ? 'met' : 'NOT met'})`);
