#!/usr/bin/env node
// Issue 15: many client workloads, each talking to one shared service on its own port, in 100
// namespaces and with a namespace each (as seed 003 gives every customer): recommend time and
// peak RSS at 1,000 / 4,000 / 8,000 / 16,000 clients (goal: <= 10 s at 16,000, near-linear).
const { timedNode } = require('./bench-util');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.join(__dirname, '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-clients-'));
const cli = path.join(root, 'dist', 'bin', 'eks-zero-trust.js');
const SIZES = [1000, 4000, 8000, 16000];
const layouts = { '100 namespaces': (i) => `team-${i % 100},app=client-${i}`, 'a namespace each': (i) => `tenant-${i},app=client` };
console.log('\nRecommender with many clients of one shared service (CSV flows, --engine kubernetes; one run each)');
console.log('layout              clients   seconds   peak RSS   s per 1,000 clients');
for (const [layout, src] of Object.entries(layouts)) {
  for (const n of SIZES) {
    const file = path.join(dir, `${n}.csv`);
    const lines = ['src_ns,src_labels,dst_ns,dst_labels_or_cidr,protocol,port'];
    for (let i = 0; i < n; i++) lines.push(`${src(i)},shared,app=service,TCP,${1024 + i}`);
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const { ms, mb } = timedNode([cli, 'recommend', file, '--engine', 'kubernetes', '--out', path.join(dir, 'out'), '--force']);
    const secs = ms / 1000;
    const goal = n === 16000 ? ` (goal <= 10 s: ${secs <= 10 ? 'met' : 'NOT met'})` : '';
    console.log(`${layout.padEnd(18)} ${String(n).padStart(8)} ${secs.toFixed(2).padStart(9)} ${`${mb.toFixed(0)} MB`.padStart(10)} ${(secs / (n / 1000)).toFixed(2).padStart(10)}${goal}`);
  }
}
fs.rmSync(dir, { recursive: true, force: true });
