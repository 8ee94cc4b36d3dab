import { Analysis, Connection, ConnectionEnd } from './analysis';
import { compareText } from '../core/order';

/** One difference between two analyses. */
export interface ConnectionChange {
  readonly change: 'added' | 'removed' | 'changed';
  readonly src: ConnectionEnd;
  readonly dst: ConnectionEnd;
  readonly before?: string;
  readonly after?: string;
}

function endText(e: ConnectionEnd): string {
  return typeof e === 'string' ? e : e.ips.join(',');
}

/**
 * Connections added, removed and changed from `before` to `after`. Address
 * groups are compared per workload and direction by their allowed ports.
 */
export function diffAnalyses(before: Analysis, after: Analysis): ConnectionChange[] {
  const index = (a: Analysis) => {
    const m = new Map<string, Connection>();
    for (const c of a.connections()) m.set(`${endText(c.src)} -> ${endText(c.dst)}`, c);
    return m;
  };
  const b = index(before);
  const a = index(after);
  const out: ConnectionChange[] = [];
  for (const [key, c] of a) {
    const old = b.get(key);
    if (!old) out.push({ change: 'added', src: c.src, dst: c.dst, after: c.allowed.toString() });
    else if (!old.allowed.equals(c.allowed)) out.push({ change: 'changed', src: c.src, dst: c.dst, before: old.allowed.toString(), after: c.allowed.toString() });
  }
  for (const [key, c] of b) if (!a.has(key)) out.push({ change: 'removed', src: c.src, dst: c.dst, before: c.allowed.toString() });
  return out.sort((x, y) => compareText(`${endText(x.src)} ${endText(x.dst)}`, `${endText(y.src)} ${endText(y.dst)}`));
}

/** The changes as review text, one line each. */
export function formatDiff(changes: readonly ConnectionChange[]): string {
  if (changes.length === 0) return 'no connectivity change\n';
  const sign = { added: '+', removed: '-', changed: '~' } as const;
  return `${changes.map((c) => `${sign[c.change]} ${endText(c.src)} -> ${endText(c.dst)}: ${c.change === 'changed' ? `${c.before} => ${c.after}` : (c.after ?? c.before)}`).join('\n')}\n`;
}

/** A change of one policy object between two inputs. */
export interface PolicyChange {
  readonly change: 'added' | 'removed' | 'changed';
  /** `Kind namespace/name`. */
  readonly policy: string;
  /** For `changed`: rules added and removed (`+ spec.ingress {...}`), fields changed (`spec.podSelector: A => B`). */
  readonly details: readonly string[];
}

/** JSON with object keys sorted, so equal values read equal. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as { [key: string]: unknown })[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The policy objects of an analysis (read or not), by `apiVersion/kind/namespace/name`. */
function policyObjects(a: Analysis): Map<string, { display: string; spec: { [key: string]: unknown } }> {
  const out = new Map<string, { display: string; spec: { [key: string]: unknown } }>();
  for (const p of [...a.policies, ...a.stagedPolicies]) {
    const o = p.source.object;
    const key = `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
    const spec = (o as { spec?: unknown; specs?: unknown }).spec ?? (o as { specs?: unknown }).specs;
    out.set(key, { display: `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name ?? ''}`, spec: { spec } });
  }
  return out;
}

const RULE_LISTS = new Set(['ingress', 'egress', 'ingressDeny', 'egressDeny']);

/** What changed inside one policy: rules (as multisets: order changes only count for Calico-ordered lists by position) and other fields. */
function specChanges(before: unknown, after: unknown, path: string): string[] {
  if (canonical(before) === canonical(after)) return [];
  const isObj = (v: unknown): v is { [key: string]: unknown } => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObj(before) && isObj(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => {
      const field = path ? `${path}.${k}` : k;
      if (RULE_LISTS.has(k) && (Array.isArray(before[k]) || Array.isArray(after[k]))) return ruleChanges(before[k], after[k], field);
      return specChanges(before[k], after[k], field);
    });
  }
  return [`${path}: ${before === undefined ? '(absent)' : canonical(before)} => ${after === undefined ? '(absent)' : canonical(after)}`];
}

function ruleChanges(before: unknown, after: unknown, field: string): string[] {
  const list = (v: unknown) => (Array.isArray(v) ? v.map(canonical) : []);
  const b = list(before);
  const a = list(after);
  const out: string[] = [];
  const remaining = [...b];
  for (const r of a) {
    const i = remaining.indexOf(r);
    if (i >= 0) remaining.splice(i, 1); else out.push(`+ ${field} rule ${r}`);
  }
  for (const r of remaining) out.push(`- ${field} rule ${r}`);
  // Same rules in another order: Calico and the admin policies evaluate rules in order.
  if (out.length === 0 && b.join('\n') !== a.join('\n')) out.push(`~ ${field}: the same rules in another order`);
  if (before === undefined || after === undefined) out.push(`~ ${field}: ${before === undefined ? 'added' : 'removed'} (the direction's isolation changes)`);
  return out;
}

/** Policy objects added, removed and changed (with their rule changes) from `before` to `after`. */
export function diffPolicies(before: Analysis, after: Analysis): PolicyChange[] {
  const b = policyObjects(before);
  const a = policyObjects(after);
  const out: PolicyChange[] = [];
  for (const [key, p] of a) {
    const old = b.get(key);
    if (!old) out.push({ change: 'added', policy: p.display, details: [] });
    else {
      const details = specChanges(old.spec, p.spec, '');
      if (details.length > 0) out.push({ change: 'changed', policy: p.display, details });
    }
  }
  for (const [key, p] of b) if (!a.has(key)) out.push({ change: 'removed', policy: p.display, details: [] });
  return out.sort((x, y) => compareText(x.policy, y.policy));
}

/** Policy changes as review text. */
export function formatPolicyDiff(changes: readonly PolicyChange[]): string {
  if (changes.length === 0) return 'no policy change\n';
  const sign = { added: '+', removed: '-', changed: '~' } as const;
  return `${changes.map((c) => [`${sign[c.change]} ${c.policy}`, ...c.details.map((d) => `    ${d}`)].join('\n')).join('\n')}\n`;
}
