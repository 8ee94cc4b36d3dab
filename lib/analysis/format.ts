import { Analysis, Connection, ConnectionEnd } from './analysis';
import { exposure, Exposure } from './exposure';
import { appendTo } from '../core/collections';
import { buffered, collected, Write } from '../core/chunks';

function end(e: ConnectionEnd): string {
  return typeof e === 'string' ? e : e.ips.length > 3 ? `${e.ips.slice(0, 3).join(', ')} (+${e.ips.length - 3} blocks)` : e.ips.join(', ');
}

/** A connection or a DNS-name egress, with what restricts it, ready to print. */
interface Row {
  readonly src: ConnectionEnd;
  /** A connection end, or a DNS name. */
  readonly dst: ConnectionEnd | { domain: string };
  readonly allowed: Connection['allowed'];
  readonly l7: readonly string[];
}

export type { Write } from '../core/chunks';

/**
 * Visits the rows to print, in order: connections with their L7
 * restrictions, then egress by DNS name. Nothing is kept: a cluster of
 * thousands of open workloads prints millions of rows.
 */
function eachRow(analysis: Analysis, focus: string | undefined, visit: (r: Row) => void, withL7 = true): void {
  const hit = (e: ConnectionEnd) => !focus || e === focus;
  analysis.eachConnection((c) => { if (hit(c.src) || hit(c.dst)) visit({ src: c.src, dst: c.dst, allowed: c.allowed, l7: withL7 ? analysis.l7Of(c) : NO_L7 }); });
  for (const d of analysis.domainEgress()) if (hit(d.src)) visit({ src: d.src, dst: { domain: d.domain }, allowed: d.allowed, l7: d.l7 });
}

/** Rows of a walk that only counts or finds nodes carry no L7 text (finding it traces both sides). */
const NO_L7: readonly string[] = [];

const isDomain = (e: Row['dst']): e is { domain: string } => typeof e !== 'string' && 'domain' in e;
const dstText = (e: Row['dst']) => (isDomain(e) ? `${e.domain} (DNS name, resolved at run time)` : end(e));
const restriction = (r: Row) => (r.l7.length > 0 ? ` [L7: ${r.l7.join('; ')}]` : '');

/**
 * A warning line for policy objects the analyzer does not read, or ''. It
 * heads the text output: the verdicts below leave those policies out.
 */
export function unreadPoliciesWarning(analysis: Analysis): string {
  const n = analysis.unreadPolicies.length;
  if (n === 0) return '';
  const kinds = [...new Set(analysis.unreadPolicies.map((p) => `${p.apiVersion} ${p.kind}`))].sort();
  return `WARNING: these results ignore ${n} policy object(s) of kinds the analyzer does not read (${kinds.join(', ')})\n`;
}

/**
 * Allowed connections as text, one per line, with their L7 restrictions
 * (`[L7: http GET /health]`); egress to DNS names follows.
 */
export function formatText(analysis: Analysis, focus?: string): string {
  return collected((write) => writeText(analysis, write, focus));
}

/** `formatText`, written as it is found (the counts take a first walk). */
export function writeText(analysis: Analysis, write: Write, focus?: string): void {
  let connections = 0;
  let byName = 0;
  eachRow(analysis, focus, (r) => { if (isDomain(r.dst)) byName++; else connections++; }, false);
  const out = buffered(write);
  out.put(`${unreadPoliciesWarning(analysis)}${analysis.workloads.length} workloads, ${connections} allowed connections${byName ? `, ${byName} by DNS name` : ''}\n`);
  if (analysis.workloads.length === 0 && analysis.policies.length > 0) {
    out.put(`(no workloads in the input: ${analysis.policies.length} policies were read; add workload manifests to see connectivity, or use lint, diff and --exposure)\n`);
  }
  const host = analysis.hostNetworkWorkloads;
  if (host.length > 0) out.put(`(${host.length} hostNetwork workload(s) not analyzed as pods, their traffic is their node's: ${host.join(', ')})\n`);
  eachRow(analysis, focus, (r) => out.put(`${end(r.src)} -> ${dstText(r.dst)}: ${r.allowed.toString()}${restriction(r)}\n`));
  if (connections + byName === 0) out.put('\n');
  writePossiblyAllowed(analysis, out.put, focus);
  out.flush();
}

/**
 * The connections that depend on pod addresses, as a text section ('' when
 * none): the third verdict, between allowed and denied.
 */
export function possiblyAllowedText(analysis: Analysis, focus?: string): string {
  return collected((write) => writePossiblyAllowed(analysis, write, focus));
}

function writePossiblyAllowed(analysis: Analysis, write: Write, focus?: string): void {
  const hit = (c: Connection) => !focus || c.src === focus || c.dst === focus;
  let n = 0;
  analysis.eachPossiblyAllowed((c) => { if (hit(c)) n++; });
  if (n === 0) return;
  const why = analysis.podCidrs === undefined
    ? 'rules on address blocks may match pods, whose addresses are unknown: give --pod-cidr (on EKS, the VPC CIDRs)'
    : 'rules on address blocks cover only part of the pod ranges';
  write(`${n} possibly allowed connections (${why}; by ${analysis.podDependence.slice(0, 3).join('; ')}${analysis.podDependence.length > 3 ? '; ...' : ''})\n`);
  analysis.eachPossiblyAllowed((c) => { if (hit(c)) write(`${end(c.src)} -> ${end(c.dst)}: ${c.allowed.toString()}\n`); });
}

/** Allowed connections as CSV: `src,dst,protocol,ports,l7` (a DNS name as `dns:NAME`). */
export function formatCsv(analysis: Analysis, focus?: string): string {
  return collected((write) => writeCsv(analysis, write, focus));
}

/** `formatCsv`, written as it is found. */
export function writeCsv(analysis: Analysis, write: Write, focus?: string): void {
  const q = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const out = buffered(write);
  out.put('src,dst,protocol,ports,l7\n');
  eachRow(analysis, focus, (r) => {
    const src = typeof r.src === 'string' ? r.src : r.src.ips.join(' ');
    const dst = isDomain(r.dst) ? `dns:${r.dst.domain}` : typeof r.dst === 'string' ? r.dst : r.dst.ips.join(' ');
    const l7 = r.l7.join('; ');
    const json = r.allowed.toJson();
    if (json === 'all') out.put(`${[src, dst, 'all', 'all', l7].map(q).join(',')}\n`);
    else for (const p of json) out.put(`${[src, dst, p.protocol, p.ports.map(([f, t]) => (f === t ? `${f}` : `${f}-${t}`)).join(' '), l7].map(q).join(',')}\n`);
  });
  out.flush();
}

/** A graph of allowed flows, grouped by namespace: Mermaid `flowchart` or Graphviz DOT. */
export function formatGraph(analysis: Analysis, kind: 'mermaid' | 'dot', focus?: string): string {
  return collected((write) => writeGraph(analysis, kind, write, focus));
}

/**
 * `formatGraph`, written as it is found: a first walk finds the nodes
 * (bounded by the model: workloads, address sets, names), the second writes
 * the edges.
 */
export function writeGraph(analysis: Analysis, kind: 'mermaid' | 'dot', write: Write, focus?: string): void {
  // Nodes get ids n0, n1, ... in order of first appearance, grouped by namespace.
  const nodes = new Map<string, { id: string; label: string }>();
  const byNs = new Map<string, { id: string; label: string }[]>();
  const keyOf = (e: Row['dst']) => (isDomain(e) ? `dns:${e.domain}` : typeof e === 'string' ? e : `ips:${e.ips.join(',')}`);
  const declare = (e: Row['dst']) => {
    const key = keyOf(e);
    if (nodes.has(key)) return;
    const node = { id: `n${nodes.size}`, label: isDomain(e) ? e.domain : typeof e === 'string' ? e.split('/')[1] : end(e) };
    nodes.set(key, node);
    const ns = isDomain(e) ? '(DNS names)' : typeof e === 'string' ? e.split('/')[0] : '(outside)';
    appendTo(byNs, ns, node);
  };
  eachRow(analysis, focus, (r) => { declare(r.src); declare(r.dst); }, false);
  const out = buffered(write);
  const edge = (r: Row) => [nodes.get(keyOf(r.src))!.id, nodes.get(keyOf(r.dst))!.id, `${r.allowed.toString()}${restriction(r)}`] as const;
  let s = 0;
  if (kind === 'mermaid') {
    out.put('flowchart LR\n');
    for (const [ns, members] of byNs) {
      out.put(`  subgraph s${s++}["${mermaidText(ns)}"]\n`);
      for (const n of members) out.put(`    ${n.id}["${mermaidText(n.label)}"]\n`);
      out.put('  end\n');
    }
    eachRow(analysis, focus, (r) => { const [a, b, label] = edge(r); out.put(`  ${a} -->|"${mermaidText(label)}"| ${b}\n`); });
  } else {
    out.put('digraph connectivity {\n  rankdir=LR;\n  node [shape=box];\n');
    for (const [ns, members] of byNs) {
      out.put(`  subgraph cluster_${s++} {\n    label=${dotText(ns)};\n`);
      for (const n of members) out.put(`    ${n.id} [label=${dotText(n.label)}];\n`);
      out.put('  }\n');
    }
    eachRow(analysis, focus, (r) => { const [a, b, label] = edge(r); out.put(`  ${a} -> ${b} [label=${dotText(label)}];\n`); });
    out.put('}\n');
  }
  out.flush();
}

/**
 * Text inside a Mermaid quoted label: quotes, and every character Mermaid or
 * a browser could read as markup or a line break, as entity codes
 * (mermaid-js docs, "Entity codes to escape characters").
 */
export function mermaidText(text: string): string {
  return text.replace(/[^A-Za-z0-9 ._:/*+,;()@=\-]/g, (c) => `#${c.codePointAt(0)};`);
}

/** A DOT quoted string: backslashes, quotes and line breaks escaped. */
export function dotText(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n|\r/g, '\\n')}"`;
}

/**
 * Exposure (see `exposure`) as text, JSON (`{"exposure":[...]}`) or a Mermaid
 * graph whose outside peers sit in a subgraph of their own.
 */
export function formatExposure(analysis: Analysis, format: 'text' | 'json' | 'mermaid', focus?: string): string {
  const found = exposure(analysis).filter((e) => !focus || e.workload === focus);
  if (format === 'json') {
    const items = found.map((e: Exposure) => JSON.stringify({ workload: e.workload, direction: e.direction, scope: e.scope, peer: e.peer, ...(e.ips ? { ips: e.ips } : {}), allowed: e.allowed.toJson() }));
    return `{"exposure":[${items.join(',')}]}\n`;
  }
  if (format === 'text') {
    const lines = found.map((e) => `${e.workload} ${e.direction === 'ingress' ? '<-' : '->'} ${e.peer}: ${e.allowed.toString()}`);
    return `${unreadPoliciesWarning(analysis)}${found.length} openings toward peers outside the input (<- may connect to the workload, -> the workload may connect to it)\n${lines.join('\n')}${lines.length ? '\n' : ''}`;
  }
  const ids = new Map<string, string>();
  const id = (key: string) => { let v = ids.get(key); if (!v) { v = `n${ids.size}`; ids.set(key, v); } return v; };
  const byNs = new Map<string, string[]>();
  for (const e of found) {
    const ns = e.workload.split('/')[0];
    if (!ids.has(`w:${e.workload}`)) appendTo(byNs, ns, `    ${id(`w:${e.workload}`)}["${mermaidText(e.workload.split('/')[1])}"]`);
  }
  const outside = [...new Set(found.map((e) => e.peer))].map((p) => `    ${id(`p:${p}`)}["${mermaidText(p)}"]`);
  const lines = ['flowchart LR'];
  let s = 0;
  for (const [ns, members] of byNs) lines.push(`  subgraph s${s++}["${mermaidText(ns)}"]`, ...members, '  end');
  if (outside.length) lines.push(`  subgraph s${s++}["outside the input"]`, ...outside, '  end');
  for (const e of found) {
    const [a, b] = e.direction === 'ingress' ? [id(`p:${e.peer}`), id(`w:${e.workload}`)] : [id(`w:${e.workload}`), id(`p:${e.peer}`)];
    lines.push(`  ${a} -->|"${mermaidText(e.allowed.toString())}"| ${b}`);
  }
  return `${lines.join('\n')}\n`;
}
