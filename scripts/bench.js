#!/usr/bin/env node
// npm run bench: prints measured figures. Goals from the issues are checked here,
// never in timed tests. Each case runs in a fresh node process, 5 times; the
// median is reported. Runs are interleaved so drift on the machine hits all cases alike.
const { execFileSync } = require('child_process');
const path = require('path');
const { median } = require('./bench-util');

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const CASES = ['empty-stack', 'bare-eks-cluster-with-helm-chart', 'secured-cluster'];
const samples = Object.fromEntries(CASES.map((c) => [c, []]));


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

// Issue 3: the CaaS example on a SecuredCluster at 10 to 5,000 tenants, next to the bare cluster.
const TENANTS = [0, 10, 100, 1000, 5000];
const curve = {};
// Three rounds over the tenant counts (5,000 only in the first), so drift on the machine weighs on
// the bare cluster and on the large ones alike.
const tenantRuns = Object.fromEntries(TENANTS.map((n) => [n, []]));
for (let round = 0; round < 3; round++) {
  for (const n of TENANTS) {
    if (n >= 5000 && round > 0) continue;
    tenantRuns[n].push(JSON.parse(execFileSync(process.execPath, [path.join(__dirname, 'bench-tenants.js'), String(n)], { encoding: 'utf8', maxBuffer: 1 << 26 })));
    process.stderr.write('.');
  }
}
for (const n of TENANTS) {
  const runs = tenantRuns[n];
  curve[n] = { ms: median(runs.map((r) => r.ms)), bytes: runs[0].bytes, resources: runs[0].resources };
}
console.log('\nCaaS tenants on a SecuredCluster (Helm chart assets; 0 = bare SecuredCluster in the same run)');
console.log('tenants   synth ms   template bytes   resources   ms / bare');
for (const n of TENANTS) {
  const c = curve[n];
  console.log(`${String(n).padStart(7)} ${c.ms.toFixed(0).padStart(10)} ${String(c.bytes).padStart(16)} ${String(c.resources).padStart(11)} ${(c.ms / curve[0].ms).toFixed(2).padStart(11)}`);
}
const growth = curve[5000].bytes / curve[10].bytes - 1;
console.log(`template growth 10 -> 5,000 tenants: ${(growth * 100).toFixed(1)}% (goal <= 10%: ${growth <= 0.1 ? 'met' : 'NOT met'}); limits 1,000,000 bytes / 500 resources`);
console.log(`synth at 1,000 tenants: ${(curve[1000].ms / curve[0].ms).toFixed(2)}x the bare cluster (goal <= 2x: ${curve[1000].ms <= 2 * curve[0].ms ? 'met' : 'NOT met'})`);

execFileSync(process.execPath, [path.join(__dirname, 'bench-analyzer.js')], { stdio: 'inherit' });
execFileSync(process.execPath, [path.join(__dirname, 'bench-dialects.js')], { stdio: 'inherit' });
execFileSync(process.execPath, [path.join(__dirname, 'bench-recommend.js')], { stdio: 'inherit' });
execFileSync(process.execPath, [path.join(__dirname, 'bench-clients.js')], { stdio: 'inherit' });
