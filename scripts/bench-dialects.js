#!/usr/bin/env node
// Issue 14: `analyze --format json` on the 5,000-workload cluster in each dialect (Kubernetes,
// Calico, Cilium), whole process (node start included), against js-yaml's loadAll of the same
// file in a fresh process (the floor). Goal: <= 2x, < 1 GB. Runs alternate between dialects.
const fs = require('fs');
const os = require('os');
const path = require('path');
const yaml = require('js-yaml');
const { loadAllWall, median, timedNode } = require('./bench-util');
const { benchCluster, DIALECTS } = require('./bench-cluster');

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const root = path.join(__dirname, '..');
const cli = path.join(root, 'dist', 'bin', 'eks-zero-trust.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-dialects-'));
const files = Object.fromEntries(DIALECTS.map((d) => {
  const file = path.join(dir, `${d}.yaml`);
  fs.writeFileSync(file, benchCluster(d).map((x) => yaml.dump(x)).join('---\n'));
  return [d, file];
}));
const parse = Object.fromEntries(DIALECTS.map((d) => [d, []]));
const full = Object.fromEntries(DIALECTS.map((d) => [d, []]));
const rss = Object.fromEntries(DIALECTS.map((d) => [d, 0]));
const connections = {};
for (let i = 0; i < RUNS; i++) {
  for (const d of DIALECTS) {
    parse[d].push(loadAllWall(files[d]));
    const r = timedNode([cli, 'analyze', files[d], '--format', 'json']);
    full[d].push(r.ms);
    rss[d] = Math.max(rss[d], r.mb);
    connections[d] = JSON.parse(r.stdout).connections.length;
  }
}
fs.rmSync(dir, { recursive: true, force: true });
console.log(`\nAnalyzer by dialect: the same 5,000-workload cluster, analyze --format json in a fresh process, wall (median of ${RUNS})`);
console.log('dialect      parse (fresh process)   analyze   ratio (goal <= 2x)   peak RSS (goal < 1 GB)   connections');
for (const d of DIALECTS) {
  const p = median(parse[d]);
  const f = median(full[d]);
  const ratio = f / p;
  console.log(`${d.padEnd(12)} ${`${p.toFixed(0)} ms`.padStart(21)} ${`${f.toFixed(0)} ms`.padStart(9)}   ${`${ratio.toFixed(2)}x ${ratio <= 2 ? 'met' : 'NOT met'}`.padEnd(18)} ${`${rss[d].toFixed(0)} MB ${rss[d] < 1024 ? 'met' : 'NOT met'}`.padStart(22)}   ${connections[d]}`);
}
