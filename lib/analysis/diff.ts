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
