import { Analysis, ConnectionEnd } from './analysis';

function end(e: ConnectionEnd): string {
  return typeof e === 'string' ? e : e.ips.length > 3 ? `${e.ips.slice(0, 3).join(', ')} (+${e.ips.length - 3} blocks)` : e.ips.join(', ');
}

function keep(analysis: Analysis, focus: string | undefined) {
  return analysis.connections().filter((c) => !focus || c.src === focus || c.dst === focus);
}

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

/** Allowed connections as text, one per line. */
export function formatText(analysis: Analysis, focus?: string): string {
  const lines = keep(analysis, focus).map((c) => `${end(c.src)} -> ${end(c.dst)}: ${c.allowed.toString()}`);
  return `${unreadPoliciesWarning(analysis)}${analysis.workloads.length} workloads, ${lines.length} allowed connections\n${lines.join('\n')}\n`;
}

/** Allowed connections as CSV: `src,dst,protocol,ports`. */
export function formatCsv(analysis: Analysis, focus?: string): string {
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const rows = ['src,dst,protocol,ports'];
  for (const c of keep(analysis, focus)) {
    const src = typeof c.src === 'string' ? c.src : c.src.ips.join(' ');
    const dst = typeof c.dst === 'string' ? c.dst : c.dst.ips.join(' ');
    const json = c.allowed.toJson();
    if (json === 'all') rows.push([src, dst, 'all', 'all'].map(q).join(','));
    else for (const p of json) rows.push([src, dst, p.protocol, p.ports.map(([f, t]) => (f === t ? `${f}` : `${f}-${t}`)).join(' ')].map(q).join(','));
  }
  return `${rows.join('\n')}\n`;
}

/** A graph of allowed flows, grouped by namespace: Mermaid `flowchart` or Graphviz DOT. */
export function formatGraph(analysis: Analysis, kind: 'mermaid' | 'dot', focus?: string): string {
  const connections = keep(analysis, focus);
  // Nodes get ids n0, n1, ... in order of first appearance, grouped by namespace.
  const nodes = new Map<string, { id: string; label: string }>();
  const byNs = new Map<string, { id: string; label: string }[]>();
  const idOf = (e: ConnectionEnd) => {
    const key = typeof e === 'string' ? e : `ips:${e.ips.join(',')}`;
    let node = nodes.get(key);
    if (!node) {
      node = { id: `n${nodes.size}`, label: typeof e === 'string' ? e.split('/')[1] : end(e) };
      nodes.set(key, node);
      const ns = typeof e === 'string' ? e.split('/')[0] : '(outside)';
      byNs.set(ns, [...(byNs.get(ns) ?? []), node]);
    }
    return node.id;
  };
  const edges = connections.map((c) => [idOf(c.src), idOf(c.dst), c.allowed.toString()] as const);
  if (kind === 'mermaid') {
    const lines = ['flowchart LR'];
    let s = 0;
    for (const [ns, members] of byNs) {
      lines.push(`  subgraph s${s++}["${ns}"]`);
      for (const n of members) lines.push(`    ${n.id}["${n.label.replace(/"/g, "'")}"]`);
      lines.push('  end');
    }
    for (const [a, b, ports] of edges) lines.push(`  ${a} -->|"${ports.replace(/"/g, "'")}"| ${b}`);
    return `${lines.join('\n')}\n`;
  }
  const lines = ['digraph connectivity {', '  rankdir=LR;', '  node [shape=box];'];
  let s = 0;
  for (const [ns, members] of byNs) {
    lines.push(`  subgraph cluster_${s++} {`, `    label=${JSON.stringify(ns)};`);
    for (const n of members) lines.push(`    ${n.id} [label=${JSON.stringify(n.label)}];`);
    lines.push('  }');
  }
  for (const [a, b, ports] of edges) lines.push(`  ${a} -> ${b} [label=${JSON.stringify(ports)}];`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
