import { Analysis } from '../analysis/analysis';
import { toDnsLabel } from '../core/names';
import { fromObjects } from '../analysis/load';
import { Endpoint } from '../analysis/model';
import { KubeObject } from '../manifests/types';
import { AggregateEnd, Observation } from './aggregate';
import { RecommendEngine } from './plan';

/** What the analyzer says about a recommendation, checked against the observations. */
export interface Verification {
  /** Observed flows that got through (distinct source, destination, protocol, port). */
  readonly observed: number;
  /** Of them, allowed by the recommendation. */
  readonly allowed: number;
  /** Of them, not allowed: each a bug to report (the goal is zero). */
  readonly notAllowed: readonly string[];
  /** Of them, to names or the API server that only the engine resolves at run time. */
  readonly unverifiable: number;
  /** Pairs of observed workloads that never talked but could under the recommendation (the goal is zero). */
  readonly newPairs: readonly string[];
}

/** Addresses that stand for Calico's "public" and "private" networks in the check. */
const REPRESENTATIVE = { public: '192.0.2.1', private: '10.255.255.254' } as const;

/**
 * Checks a recommendation with the analyzer: the rendered policies plus one
 * stand-in workload per observed workload (its identity labels). Staged
 * policies are evaluated as if enforced.
 */
export function verifyRecommendation(manifests: readonly KubeObject[], observations: readonly Observation[], recommended: readonly string[], engine: RecommendEngine): Verification {
  const { workloads, ids } = standInWorkloads(observations);
  const analysis = Analysis.of(fromObjects([...workloads, ...manifests], '<recommendation>'), { stagedAsEnforced: true });
  const endpoint = (end: AggregateEnd) => endpointOf(analysis, ids, end);
  let allowed = 0;
  let unverifiable = 0;
  const notAllowed: string[] = [];
  const observedPairs = new Set<string>();
  for (const o of observations) {
    if (o.src.kind === 'workload' && o.dst.kind === 'workload') observedPairs.add(`${ids.get(o.src.key)} -> ${ids.get(o.dst.key)}`);
    const byName = o.dst.kind === 'api-server' || (engine === RecommendEngine.CILIUM && o.dst.kind === 'block' && o.names.length > 0);
    const src = byName ? undefined : endpoint(o.src);
    const dst = byName ? undefined : endpoint(o.dst);
    if (!src || !dst) { unverifiable++; continue; }
    if (analysis.allowedPorts(src, dst).has(o.protocol, o.port)) allowed++;
    else notAllowed.push(`${describe(o.src, ids)} -> ${describe(o.dst, ids)} ${o.port}/${o.protocol}`);
  }
  const inScope = new Set(recommended);
  const observedIds = new Set(ids.values());
  const newPairs: string[] = [];
  analysis.eachConnection((c) => { // one at a time: the connections are not kept
    if (typeof c.src !== 'string' || typeof c.dst !== 'string') return;
    if (!observedIds.has(c.src) || !observedIds.has(c.dst)) return;
    if (!inScope.has(c.src.split('/')[0]) && !inScope.has(c.dst.split('/')[0])) return;
    if (c.dst.startsWith('kube-system/') && analysis.workload(c.dst)?.labels['k8s-app'] === 'kube-dns') return; // the DNS allowance, by design
    const pair = `${c.src} -> ${c.dst}`;
    if (!observedPairs.has(pair)) newPairs.push(pair);
  });
  return { observed: observations.length, allowed, notAllowed, unverifiable, newPairs };
}

/**
 * One stand-in Deployment per observed workload identity (its labels), named
 * after it (unique per namespace), and kube-dns; `ids` maps an identity's key
 * to the stand-in's id.
 */
export function standInWorkloads(observations: readonly Observation[]): { workloads: KubeObject[]; ids: Map<string, string> } {
  const ids = new Map<string, string>();
  const workloads: KubeObject[] = [];
  const namesUsed = new Set<string>();
  const standIn = (end: AggregateEnd) => {
    if (end.kind !== 'workload' || ids.has(end.key)) return;
    const base = toDnsLabel(end.name, 50) || 'workload';
    let name = base;
    for (let i = 2; namesUsed.has(`${end.namespace}/${name}`); i++) name = `${base}-${i}`;
    namesUsed.add(`${end.namespace}/${name}`);
    ids.set(end.key, `${end.namespace}/${name}`);
    workloads.push({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: end.namespace }, spec: { template: { metadata: { labels: { ...end.labels } }, spec: { containers: [{ name: 'main' }] } } } });
  };
  for (const o of observations) { standIn(o.src); standIn(o.dst); }
  if (![...ids.keys()].some((k) => k.startsWith('kube-system/') && k.includes('k8s-app=kube-dns'))) {
    standIn({ kind: 'workload', key: 'kube-system/k8s-app=kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' }, name: 'coredns' });
  }
  return { workloads, ids };
}

/** The analysis endpoint of an observed end: its stand-in, its address block, or a representative address; undefined for the API server. */
export function endpointOf(analysis: Analysis, ids: ReadonlyMap<string, string>, end: AggregateEnd): Endpoint | undefined {
  switch (end.kind) {
    case 'workload': return analysis.workload(ids.get(end.key) ?? '');
    case 'block': return analysis.external(end.cidr);
    case 'public': case 'private': return analysis.external(REPRESENTATIVE[end.kind]);
    case 'api-server': return undefined;
  }
}

function describe(end: AggregateEnd, ids: Map<string, string>): string {
  switch (end.kind) {
    case 'workload': return ids.get(end.key) ?? end.key;
    case 'block': return end.cidr;
    default: return end.kind;
  }
}
