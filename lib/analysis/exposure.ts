import { cidr } from '../core/cidr';
import { Analysis } from './analysis';
import { blockHolds, mergeAtoms } from './externals';
import { Direction, Endpoint } from './model';
import { PortSet } from './port-set';
import { ENTIRE_CLUSTER, Representative, representativeEndpoint } from './representatives';

/** One opening toward peers outside the input. */
export interface Exposure {
  /** The workload id. */
  readonly workload: string;
  /** `ingress`: the peer may connect to the workload; `egress`: the workload may connect to it. */
  readonly direction: Direction;
  /** What the peer is: `cluster` (any pod anywhere), `namespaces` (pods of namespaces chosen by labels or names not in the input), `internet`. */
  readonly scope: 'cluster' | 'namespaces' | 'internet';
  /** The peer, for people. */
  readonly peer: string;
  /** For `internet`: the public address blocks. */
  readonly ips?: readonly string[];
  /** The ports it may use. */
  readonly allowed: PortSet;
}

/** Address ranges that are not the internet: private, shared, loopback, link-local (IANA special-purpose registries). */
const NOT_INTERNET = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '0.0.0.0/8', '::1/128', 'fc00::/7', 'fe80::/10'].map(cidr);

/** Whether an address block holds public addresses (it lies in none of the ranges above). */
function isInternet(e: Endpoint): boolean {
  return !NOT_INTERNET.some((c) => blockHolds(c, e.external!));
}

/**
 * What a policy set leaves open toward peers that are not in the input, per
 * workload and direction (the question a reviewer asks: "what is left
 * open?"), as np-guard's netpol-analyzer exposure analysis answers it:
 *
 * - a workload that no policy selects in a direction is open to the entire
 *   cluster and the internet;
 * - a rule that admits pods of namespaces chosen by labels (or all
 *   namespaces) admits such pods of namespaces the input does not hold:
 *   a representative pod stands for them, and the selecting policies are
 *   evaluated against it, deny rules and tiers included;
 * - public addresses the policies allow are the internet.
 *
 * Workloads selected by the same policies share one evaluation.
 */
export function exposure(analysis: Analysis): Exposure[] {
  const out: Exposure[] = [];
  const inputNamespaces = new Set(analysis.inventory.namespaces.keys());
  const internet = analysis.externals.filter(isInternet);
  for (const direction of ['ingress', 'egress'] as const) {
    const cache = new Map<string, Omit<Exposure, 'workload'>[]>();
    for (const w of analysis.workloads) {
      const policies = analysis.policiesFor(w, direction);
      const key = `${policies.map((p) => p.key).join('\n')}#${direction === 'ingress' ? analysis.portKey(w) : ''}`;
      let found = cache.get(key);
      if (!found) {
        found = policies.length === 0 ? unprotected(direction) : openings(analysis, w, direction, inputNamespaces, internet);
        cache.set(key, found);
      }
      for (const f of found) out.push({ workload: w.id, ...f });
    }
  }
  return out;
}

function unprotected(direction: Direction): Omit<Exposure, 'workload'>[] {
  const why = `(no policy selects it for ${direction})`;
  return [
    { direction, scope: 'cluster', peer: `${ENTIRE_CLUSTER.text} ${why}`, allowed: PortSet.ALL },
    { direction, scope: 'internet', peer: `the internet ${why}`, ips: ['0.0.0.0/0', '::/0'], allowed: PortSet.ALL },
  ];
}

function openings(analysis: Analysis, w: Endpoint, direction: Direction, inputNamespaces: ReadonlySet<string>, internet: readonly Endpoint[]): Omit<Exposure, 'workload'>[] {
  const found: Omit<Exposure, 'workload'>[] = [];
  const reps = new Map<string, Representative>();
  for (const p of analysis.policiesFor(w, direction)) {
    for (const r of p[direction] ?? []) {
      for (const rep of r.peer.representatives ?? []) {
        if (rep.namespace !== undefined && inputNamespaces.has(rep.namespace)) continue; // pods of an input namespace are the input's
        if (!reps.has(rep.text)) reps.set(rep.text, rep);
      }
    }
  }
  for (const rep of [...reps.values()].sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0))) {
    const allowed = analysis.sideAllows(w, representativeEndpoint(rep), direction);
    if (!allowed.isEmpty) found.push({ direction, scope: rep === ENTIRE_CLUSTER ? 'cluster' : 'namespaces', peer: rep.text, allowed });
  }
  const byVerdict = new Map<string, { atoms: Endpoint[]; allowed: PortSet }>();
  for (const atom of internet) {
    const allowed = analysis.sideAllows(w, atom, direction);
    if (allowed.isEmpty) continue;
    const g = byVerdict.get(allowed.key);
    if (g) g.atoms.push(atom); else byVerdict.set(allowed.key, { atoms: [atom], allowed });
  }
  for (const g of byVerdict.values()) {
    const ips = mergeAtoms(g.atoms);
    found.push({ direction, scope: 'internet', peer: `the internet (${ips.length > 3 ? `${ips.slice(0, 3).join(', ')}, +${ips.length - 3}` : ips.join(', ')})`, ips, allowed: g.allowed });
  }
  return found;
}
