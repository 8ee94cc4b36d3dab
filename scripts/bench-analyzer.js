#!/usr/bin/env node
// Issue 4: a generated cluster of 5,000 workloads in 200 namespaces with about 2,000 policies (bench-cluster.js).
// Measures parse alone (js-yaml loadAll), the full `analyze --format json` in a fresh process
// (time and peak RSS), one explain query after loading, and the CLI on a 10-document file.
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const yaml = require('js-yaml');
const { loadAllWall, median, timedNode } = require('./bench-util');
const { benchCluster } = require('./bench-cluster');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-analyzer-'));
const docs = benchCluster('kubernetes');
const file = path.join(dir, 'cluster.yaml');
fs.writeFileSync(file, docs.map((d) => yaml.dump(d)).join('---\n'));
const policies = docs.filter((d) => /NetworkPolicy$/.test(d.kind)).length;
const small = path.join(dir, 'small.yaml');
fs.writeFileSync(small, docs.slice(0, 10).map((d) => yaml.dump(d)).join('---\n'));

// The measurements alternate within each run, so that a slow spell of a shared
// machine weighs on the parse and the analysis alike.
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const cli = path.join(__dirname, '..', 'dist', 'bin', 'eks-zero-trust.js');
const root = path.join(__dirname, '..');
const parse = [];
const parseWall = [];
const full = [];
const split = [];
const nodeStart = [];
let rss = 0;
for (let i = 0; i < RUNS; i++) {
  // Node's own start, which the in-process parse figure does not pay.
  const s = process.hrtime.bigint();
  execFileSync(process.execPath, ['-e', '0']);
  nodeStart.push(Number(process.hrtime.bigint() - s) / 1e6);
  // Parse alone, in process (the floor), and in a fresh process, wall clock (node start and require included, as in the analyze figure).
  parse.push(Number(execFileSync(process.execPath, ['-e', `const t=process.hrtime.bigint();require('js-yaml').loadAll(require('fs').readFileSync(${JSON.stringify(file)},'utf8'));console.log(Number(process.hrtime.bigint()-t)/1e6)`], { encoding: 'utf8', cwd: root })));
  parseWall.push(loadAllWall(file));
  // The full analyze, wall clock and peak RSS.
  const r = timedNode([cli, 'analyze', file, '--format', 'json']);
  full.push(r.ms);
  rss = Math.max(rss, r.mb);
  // The same work split in a fresh process: our load (read + parse) and everything after it.
  split.push(JSON.parse(execFileSync(process.execPath, ['-e', `
    const t0 = process.hrtime.bigint();
    const { Analysis, loadFiles } = require('./dist/lib/analysis');
    const input = loadFiles([${JSON.stringify(file)}]);
    const t1 = process.hrtime.bigint();
    const out = Analysis.of(input).toJsonText();
    const t2 = process.hrtime.bigint();
    console.log(JSON.stringify({ load: Number(t1 - t0) / 1e6, analysis: Number(t2 - t1) / 1e6, bytes: out.length }));`], { encoding: 'utf8', cwd: root, maxBuffer: 1 << 30 })));
}
const explainMs = execFileSync(process.execPath, ['-e', `
  const { Analysis, loadFiles, explain } = require('./dist/lib/analysis');
  const a = Analysis.of(loadFiles([${JSON.stringify(file)}]));
  const t = process.hrtime.bigint();
  explain(a, a.workload('ns-7/app-0'), a.workload('ns-7/app-1'), 8080, 'TCP');
  console.log(Number(process.hrtime.bigint() - t) / 1e6);`], { encoding: 'utf8', cwd: path.join(__dirname, '..') });
const smallRuns = [];
for (let i = 0; i < 5; i++) {
  const t = process.hrtime.bigint();
  execFileSync(process.execPath, [cli, 'analyze', small, '--format', 'json'], { encoding: 'utf8' });
  smallRuns.push(Number(process.hrtime.bigint() - t) / 1e6);
}
const bytes = fs.statSync(file).size;
fs.rmSync(dir, { recursive: true, force: true });
const p = median(parse);
const f = median(full);
// The goal is a ratio to the parse, so each side is timed alike: in process
// against the in-process parse, and a fresh process against a fresh process.
// The CLI's wall time over the in-process parse is printed too; it counts
// Node's own start on one side only.
const ns = median(nodeStart);
const pw = median(parseWall);
const analysisMs = median(split.map((x) => x.analysis));
const inProcess = median(split.map((x) => x.load + x.analysis));
const verdict = (ratio) => `goal <= 2x: ${ratio <= 2 ? 'met' : 'NOT met'}`;
console.log(`\nAnalyzer: 5,000 workloads in 200 namespaces, ${policies} policies, ${(bytes / 1e6).toFixed(2)} MB YAML (median of ${RUNS})`);
console.log(`  parse only (js-yaml loadAll, in process, require and read included): ${p.toFixed(0)} ms`);
console.log(`  the library in process, timed the same way (require, load, analysis, JSON): ${inProcess.toFixed(0)} ms = ${(inProcess / p).toFixed(2)}x parse (${verdict(inProcess / p)})`);
console.log(`    of which load ${median(split.map((x) => x.load)).toFixed(0)} ms, analysis and JSON after loading ${analysisMs.toFixed(0)} ms = ${(analysisMs / p).toFixed(2)}x parse`);
console.log(`  the CLI, analyze --format json in a fresh process, wall: ${f.toFixed(0)} ms`);
console.log(`    = ${(f / pw).toFixed(2)}x the parse in a fresh process (${pw.toFixed(0)} ms wall) (${verdict(f / pw)})`);
console.log(`    = ${(f / p).toFixed(2)}x the in-process parse, Node's own start (node -e 0: ${ns.toFixed(0)} ms) counted on one side only; ${((f - ns) / p).toFixed(2)}x without it`);
console.log(`  peak RSS of analyze:                         ${rss.toFixed(0)} MB (goal < 1024: ${rss < 1024 ? 'met' : 'NOT met'})`);
console.log(`  explain after loading:                       ${Number(explainMs).toFixed(1)} ms (goal < 50: ${Number(explainMs) < 50 ? 'met' : 'NOT met'})`);
console.log(`  analyze of a 10-document file, node start included: ${median(smallRuns).toFixed(0)} ms (goal < 300: ${median(smallRuns) < 300 ? 'met' : 'NOT met'})`);
