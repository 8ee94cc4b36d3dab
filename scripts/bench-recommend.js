#!/usr/bin/env node
// Issues 5 and 15: generated Hubble flow lines (as `hubble observe -o json`
// prints them, about 1.4 KB each). Measures, each in a fresh process: reading
// the lines and JSON.parse-ing each (the floor), and the full `recommend`
// (read, aggregate, render, verify with the analyzer, write), with its
// default threads and with one. Prints throughput and peak memory.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { median, timedNode, warm } = require('./bench-util');

// Case A (issue 15 goal 5): 1,000,000 lines over 2,000 workloads in 100 namespaces.
// Case B: 400,000 lines from 5,000 workloads in 250 namespaces (memory).
const CASES = [
  { name: 'A', lines: Number(process.env.BENCH_FLOWS ?? 1_000_000), namespaces: 100, ratioGoal: 0.5 },
  { name: 'B', lines: Number(process.env.BENCH_FLOWS_B ?? 400_000), namespaces: 250 },
];
const PER_NAMESPACE = 20;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-recommend-'));

function endpoint(ns, app, identity) {
  return JSON.stringify({
    ID: identity % 4096, identity, cluster_name: 'default', namespace: ns,
    labels: [`k8s:app=${app}`, `k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name=${ns}`, 'k8s:io.cilium.k8s.policy.cluster=default', 'k8s:io.cilium.k8s.policy.serviceaccount=default', `k8s:io.kubernetes.pod.namespace=${ns}`],
    pod_name: `${app}-7c9d8b6f54-x2k9q`, workloads: [{ name: app, kind: 'Deployment' }],
  });
}
const dns = { json: endpoint('kube-system', 'kube-dns', 29999).replace('"k8s:app=kube-dns"', '"k8s:k8s-app=kube-dns"'), ip: '10.0.0.10' };
const world = '{"identity":2,"labels":["reserved:world"]}';
let workloads = [];

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

/** Writes the case's flow file; returns its path and size. */
function writeFlows(c) {
  workloads = [];
  for (let n = 0; n < c.namespaces; n++) for (let w = 0; w < PER_NAMESPACE; w++) workloads.push({ ns: `team-${n}`, app: `svc-${w}`, json: endpoint(`team-${n}`, `svc-${w}`, 30000 + workloads.length), ip: `10.${1 + (n >> 4)}.${n & 15}.${w + 10}` });
  const file = path.join(dir, `flows-${c.name}.jsonl`);
  const fd = fs.openSync(file, 'w');
  const batch = [];
  for (let i = 0; i < c.lines; i++) {
    batch.push(line(i));
    if (batch.length === 20000) { fs.writeSync(fd, `${batch.join('\n')}\n`); batch.length = 0; }
  }
  if (batch.length) fs.writeSync(fd, `${batch.join('\n')}\n`);
  fs.closeSync(fd);
  return { file, bytes: fs.statSync(file).size, workloads: workloads.length };
}

// Five runs, as the other benches: on this VM one run of the same code varies by up to 30%.
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const root = path.join(__dirname, '..');
const recommend = (file, extra) => [path.join(root, 'dist', 'bin', 'eks-zero-trust.js'), 'recommend', file, '--engine', 'cilium', '--out', path.join(dir, 'out'), ...extra];
const cores = os.availableParallelism();
for (const c of CASES) {
  const { file, bytes, workloads: count } = writeFlows(c);
  const floorScript = `const { forEachLine } = require('./dist/lib/recommend/read-flows'); let n = 0; forEachLine(${JSON.stringify(file)}, (l) => { if (l) { JSON.parse(l); n++; } }); if (n !== ${c.lines}) throw new Error('read ' + n);`;
  const floor = [];
  const auto = [];
  const one = [];
  let floorMb = 0;
  let autoMb = 0;
  let oneMb = 0;
  let report = '';
  // Every timed run starts with the whole file in the page cache (see warm).
  for (let i = 0; i < RUNS; i++) {
    warm(file);
    const f = timedNode(['-e', floorScript]);
    floor.push(f.ms); floorMb = Math.max(floorMb, f.mb);
    warm(file);
    const r = timedNode(recommend(file, []));
    auto.push(r.ms); autoMb = Math.max(autoMb, r.mb); report = r.stderr;
    warm(file);
    const s = timedNode(recommend(file, ['--threads', '1']));
    one.push(s.ms); oneMb = Math.max(oneMb, s.mb);
  }
  if (!process.env.BENCH_KEEP) fs.rmSync(file); else console.log(`kept ${file}`);
  const p = median(floor);
  const t = median(auto);
  const t1 = median(one);
  console.log(`\nRecommender, case ${c.name}: ${c.lines.toLocaleString('en-US')} Hubble flow lines over ${count} workloads, ${(bytes / 1e9).toFixed(2)} GB (median of ${RUNS}, fresh processes, ${cores} cores)`);
  console.log(`  read + JSON.parse every line (floor):   ${p.toFixed(0)} ms, peak RSS ${floorMb.toFixed(0)} MB`);
  console.log(`  recommend --engine cilium --out:        ${t.toFixed(0)} ms = ${(t / p).toFixed(2)}x the floor${c.ratioGoal ? ` (goal <= ${c.ratioGoal}x: ${t <= c.ratioGoal * p ? 'met' : 'NOT met'})` : ''}, ${Math.round(c.lines / (t / 1000)).toLocaleString('en-US')} flows/s, peak RSS ${autoMb.toFixed(0)} MB (goal < 300: ${autoMb < 300 ? 'met' : 'NOT met'})`);
  console.log(`  the same, --threads 1:                  ${t1.toFixed(0)} ms = ${(t1 / p).toFixed(2)}x the floor, ${Math.round(c.lines / (t1 / 1000)).toLocaleString('en-US')} flows/s, peak RSS ${oneMb.toFixed(0)} MB`);
  console.log(report.split('\n').filter((l) => /^(wrote|analyzer|\d+ flow)/.test(l)).map((l) => `  | ${l}`).join('\n'));
}
if (!process.env.BENCH_KEEP) fs.rmSync(dir, { recursive: true, force: true });
