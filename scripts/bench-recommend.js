#!/usr/bin/env node
// Issue 5: 1,000,000 generated Hubble flow lines (as `hubble observe -o json`
// prints them, about 1.4 KB each) over 2,000 workloads in 100 namespaces.
// Measures, each in a fresh process: reading the lines and JSON.parse-ing
// each (the floor), and the full `recommend` (read, aggregate, render,
// verify with the analyzer, write). Prints throughput and peak memory.
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { median } = require('./bench-util');

const LINES = Number(process.env.BENCH_FLOWS ?? 1_000_000);
const NAMESPACES = 100;
const PER_NAMESPACE = 20;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-recommend-'));
const file = path.join(dir, 'flows.jsonl');

function endpoint(ns, app, identity) {
  return JSON.stringify({
    ID: identity % 4096, identity, cluster_name: 'default', namespace: ns,
    labels: [`k8s:app=${app}`, `k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name=${ns}`, 'k8s:io.cilium.k8s.policy.cluster=default', 'k8s:io.cilium.k8s.policy.serviceaccount=default', `k8s:io.kubernetes.pod.namespace=${ns}`],
    pod_name: `${app}-7c9d8b6f54-x2k9q`, workloads: [{ name: app, kind: 'Deployment' }],
  });
}
const workloads = [];
for (let n = 0; n < NAMESPACES; n++) for (let w = 0; w < PER_NAMESPACE; w++) workloads.push({ ns: `team-${n}`, app: `svc-${w}`, json: endpoint(`team-${n}`, `svc-${w}`, 30000 + workloads.length), ip: `10.${1 + (n >> 4)}.${n & 15}.${w + 10}` });
const dns = { json: endpoint('kube-system', 'kube-dns', 29999).replace('"k8s:app=kube-dns"', '"k8s:k8s-app=kube-dns"'), ip: '10.0.0.10' };
const world = '{"identity":2,"labels":["reserved:world"]}';

function line(i) {
  const src = workloads[i % workloads.length];
  const kind = i % 10;
  let dst; let port; let proto = 'TCP'; let names = '';
  if (kind < 6) { // to a peer in the same namespace: each workload talks to three others
    const base = Math.floor((i % workloads.length) / PER_NAMESPACE) * PER_NAMESPACE;
    const peer = workloads[base + ((i % PER_NAMESPACE) + 1 + (i % 3)) % PER_NAMESPACE];
    dst = peer; port = 8080 + (i % 3);
  } else if (kind < 9) { dst = dns; port = 53; proto = 'UDP'; } else {
    dst = { json: world, ip: `52.94.${(i >> 8) & 15}.${i & 255}` }; port = 443; names = `"destination_names":["api-${i & 7}.example.com"],`;
  }
  const time = `2026-11-30T10:${String((i / 60 | 0) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.${String(i % 1e6).padStart(6, '0')}Z`;
  const l4 = proto === 'TCP' ? `{"TCP":{"source_port":${32768 + (i % 28000)},"destination_port":${port},"flags":{"SYN":true}}}` : `{"UDP":{"source_port":${32768 + (i % 28000)},"destination_port":${port}}}`;
  return `{"flow":{"time":"${time}","uuid":"8f14e45f-ceea-467f-a0e6-${String(i).padStart(12, '0')}","verdict":"FORWARDED","ethernet":{"source":"02:42:ac:11:00:02","destination":"02:42:ac:11:00:03"},"IP":{"source":"${src.ip}","destination":"${dst.ip}","ipVersion":"IPv4"},"l4":${l4},"source":${src.json},"destination":${dst.json},"Type":"L3_L4","node_name":"ip-10-0-1-10.ec2.internal",${names}"event_type":{"type":4,"sub_type":3},"traffic_direction":"EGRESS","trace_observation_point":"TO_ENDPOINT","is_reply":false,"interface":{"index":12,"name":"lxc1234abcd"},"Summary":"${proto === 'TCP' ? 'TCP Flags: SYN' : 'UDP'}"},"node_name":"ip-10-0-1-10.ec2.internal","time":"${time}"}`;
}

const fd = fs.openSync(file, 'w');
const batch = [];
for (let i = 0; i < LINES; i++) {
  batch.push(line(i));
  if (batch.length === 20000) { fs.writeSync(fd, `${batch.join('\n')}\n`); batch.length = 0; }
}
if (batch.length) fs.writeSync(fd, `${batch.join('\n')}\n`);
fs.closeSync(fd);
const bytes = fs.statSync(file).size;

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const root = path.join(__dirname, '..');
const floorScript = `const { forEachLine } = require('./dist/lib/recommend/read-flows'); let n = 0; forEachLine(${JSON.stringify(file)}, (l) => { if (l) { JSON.parse(l); n++; } }); if (n !== ${LINES}) throw new Error('read ' + n);`;
const timed = (args) => {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', process.execPath, ...args], { encoding: 'utf8', cwd: root, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(r.stderr);
  const [secs, kb] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  return { ms: secs * 1000, mb: kb / 1024, stderr: r.stderr };
};
const floor = [];
const full = [];
let floorMb = 0;
let fullMb = 0;
let report = '';
for (let i = 0; i < RUNS; i++) {
  const f = timed(['-e', floorScript]);
  floor.push(f.ms); floorMb = Math.max(floorMb, f.mb);
  const r = timed([path.join(root, 'dist', 'bin', 'eks-zero-trust.js'), 'recommend', file, '--engine', 'cilium', '--out', path.join(dir, 'out')]);
  full.push(r.ms); fullMb = Math.max(fullMb, r.mb); report = r.stderr;
}
if (!process.env.BENCH_KEEP) fs.rmSync(dir, { recursive: true, force: true }); else console.log(`kept ${file}`);
const p = median(floor);
const t = median(full);
const rate = LINES / (t / 1000);
console.log(`\nRecommender: ${LINES.toLocaleString('en-US')} Hubble flow lines over ${workloads.length} workloads, ${(bytes / 1e9).toFixed(2)} GB (median of ${RUNS}, fresh processes)`);
console.log(`  read + JSON.parse every line (floor): ${p.toFixed(0)} ms, peak RSS ${floorMb.toFixed(0)} MB`);
console.log(`  recommend --engine cilium --out:      ${t.toFixed(0)} ms = ${(t / p).toFixed(2)}x the floor (goal <= 2x: ${t <= 2 * p ? 'met' : 'NOT met'})`);
console.log(`  throughput:                           ${Math.round(rate).toLocaleString('en-US')} flows/s (goal >= 200,000: ${rate >= 200000 ? 'met' : 'NOT met'})`);
console.log(`  peak RSS of recommend:                ${fullMb.toFixed(0)} MB (goal < 300: ${fullMb < 300 ? 'met' : 'NOT met'})`);
console.log(report.split('\n').filter((l) => /^(wrote|analyzer|\d+ flow)/.test(l)).map((l) => `  | ${l}`).join('\n'));
