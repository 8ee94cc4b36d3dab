import { Analysis, Connection, ConnectionEnd, DomainEgress } from './analysis';
import { exposure, Exposure } from './exposure';

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

/** The rows to print: connections with their L7 restrictions, then egress by DNS name. */
function rows(analysis: Analysis, focus: string | undefined): Row[] {
  const hit = (e: ConnectionEnd) => !focus || e === focus;
  const connections: Row[] = analysis.connections().filter((c) => hit(c.src) || hit(c.dst)).map((c) => ({ src: c.src, dst: c.dst, allowed: c.allowed, l7: analysis.l7Of(c) }));
  const names: Row[] = analysis.domainEgress().filter((d: DomainEgress) => hit(d.src)).map((d) => ({ src: d.src, dst: { domain: d.domain }, allowed: d.allowed, l7: d.l7 }));
  return [...connections, ...names];
}

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
  const all = rows(analysis, focus);
  const byName = all.filter((r) => isDomain(r.dst)).length;
  const lines = all.map((r) => `${end(r.src)} -> ${dstText(r.dst)}: ${r.allowed.toString()}${restriction(r)}`);
  const counts = `${analysis.workloads.length} workloads, ${all.length - byName} allowed connections${byName ? `, ${byName} by DNS name` : ''}`;
  return `${unreadPoliciesWarning(analysis)}${counts}\n${lines.join('\n')}\n${possiblyAllowedText(analysis, focus)}`;
}

/**
 * The connections that depend on pod addresses, as a text section ('' when
 * none): the third verdict, between allowed and denied.
 */
export function possiblyAllowedText(analysis: Analysis, focus?: string): string {
  const hit = (e: ConnectionEnd) => !focus || e === focus;
  const possible = analysis.possiblyAllowed().filter((c) => hit(c.src) || hit(c.dst));
  if (possible.length === 0) return '';
  const why = analysis.podCidrs === undefined
    ? 'rules on address blocks may match pods, whose addresses are unknown: give --pod-cidr (on EKS, the VPC CIDRs)'
    : 'rules on address blocks cover only part of the pod ranges';
  const lines = possible.map((c) => `${end(c.src)} -> ${end(c.dst)}: ${c.allowed.toString()}`);
  return `${possible.length} possibly allowed connections (${why}; by ${analysis.podDependence.slice(0, 3).join('; ')}${analysis.podDependence.length > 3 ? '; ...' : ''})\n${lines.join('\n')}\n`;
}

/** Allowed connections as CSV: `src,dst,protocol,ports,l7` (a DNS name as `dns:NAME`). */
export function formatCsv(analysis: Analysis, focus?: string): string {
  const q = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const out = ['src,dst,protocol,ports,l7'];
  for (const r of rows(analysis, focus)) {
    const src = typeof r.src === 'string' ? r.src : r.src.ips.join(' ');
    const dst = isDomain(r.dst) ? `dns:${r.dst.domain}` : typeof r.dst === 'string' ? r.dst : r.dst.ips.join(' ');
    const l7 = r.l7.join('; ');
    const json = r.allowed.toJson();
    if (json === 'all') out.push([src, dst, 'all', 'all', l7].map(q).join(','));
    else for (const p of json) out.push([src, dst, p.protocol, p.ports.map(([f, t]) => (f === t ? `${f}` : `${f}-${t}`)).join(' '), l7].map(q).join(','));
  }
  return `${out.join('\n')}\n`;
}

/** A graph of allowed flows, grouped by namespace: Mermaid `flowchart` or Graphviz DOT. */
export function formatGraph(analysis: Analysis, kind: 'mermaid' | 'dot', focus?: string): string {
  const all = rows(analysis, focus);
  // Nodes get ids n0, n1, ... in order of first appearance, grouped by namespace.
  const nodes = new Map<string, { id: string; label: string }>();
  const byNs = new Map<string, { id: string; label: string }[]>();
  const idOf = (e: Row['dst']) => {
    const key = isDomain(e) ? `dns:${e.domain}` : typeof e === 'string' ? e : `ips:${e.ips.join(',')}`;
    let node = nodes.get(key);
    if (!node) {
      node = { id: `n${nodes.size}`, label: isDomain(e) ? e.domain : typeof e === 'string' ? e.split('/')[1] : end(e) };
      nodes.set(key, node);
      const ns = isDomain(e) ? '(DNS names)' : typeof e === 'string' ? e.split('/')[0] : '(outside)';
      byNs.set(ns, [...(byNs.get(ns) ?? []), node]);
    }
    return node.id;
  };
  const edges = all.map((r) => [idOf(r.src), idOf(r.dst), `${r.allowed.toString()}${restriction(r)}`] as const);
  if (kind === 'mermaid') {
    const lines = ['flowchart LR'];
    let s = 0;
    for (const [ns, members] of byNs) {
      lines.push(`  subgraph s${s++}["${mermaidText(ns)}"]`);
      for (const n of members) lines.push(`    ${n.id}["${mermaidText(n.label)}"]`);
      lines.push('  end');
    }
    for (const [a, b, label] of edges) lines.push(`  ${a} -->|"${mermaidText(label)}"| ${b}`);
    return `${lines.join('\n')}\n`;
  }
  const lines = ['digraph connectivity {', '  rankdir=LR;', '  node [shape=box];'];
  let s = 0;
  for (const [ns, members] of byNs) {
    lines.push(`  subgraph cluster_${s++} {`, `    label=${dotText(ns)};`);
    for (const n of members) lines.push(`    ${n.id} [label=${dotText(n.label)}];`);
    lines.push('  }');
  }
  for (const [a, b, label] of edges) lines.push(`  ${a} -> ${b} [label=${dotText(label)}];`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
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
    if (!ids.has(`w:${e.workload}`)) byNs.set(ns, [...(byNs.get(ns) ?? []), `    ${id(`w:${e.workload}`)}["${mermaidText(e.workload.split('/')[1])}"]`]);
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
