import { RFC1918 } from '../core/cidr';
import { toDnsLabel } from '../core/names';
import { compareText } from '../core/order';
import { AggregateEnd, Observation } from './aggregate';
import { FlowProtocol, Labels, labelsText } from './flow';

/** The engines the recommender writes for. */
export enum RecommendEngine {
  /** Calico `projectcalico.org/v3` policies; staged as StagedNetworkPolicy. */
  CALICO = 'calico',
  /** Cilium `cilium.io/v2` policies; "staged" is the engine's policy audit mode. */
  CILIUM = 'cilium',
  /** Kubernetes NetworkPolicy (the VPC CNI's engine, or any); no staged form. */
  KUBERNETES = 'kubernetes',
}

/** How the recommendation is meant to be applied. */
export enum RecommendMode {
  /** Observe first: staged policies (Calico), audit mode (Cilium). */
  STAGED = 'staged',
  /** Enforce right away. */
  ENFORCED = 'enforced',
}

/** Namespaces never recommended unless named: the cluster's own. */
export const SYSTEM_NAMESPACES: readonly string[] = ['kube-system', 'kube-public', 'kube-node-lease', 'calico-system', 'calico-apiserver', 'tigera-operator', 'cilium', 'cilium-secrets', 'amazon-cloudwatch'];

/** Options of `buildPlan`. */
export interface PlanOptions {
  /** The engine to write for. */
  readonly engine: RecommendEngine;
  /**
   * The namespaces to write policies for.
   * @default - every namespace of an observed workload except SYSTEM_NAMESPACES
   */
  readonly namespaces?: readonly string[];
  /**
   * Merge consecutive ports into ranges (`5671-5672`).
   * @default false (every port listed, least privilege)
   */
  readonly mergePorts?: boolean;
}

/** The other side of a recommended rule. */
export type PlanPeer =
  /** Pods by labels; `namespace` undefined = the policy's own namespace. */
  | { readonly kind: 'pods'; readonly namespace?: string; readonly labels: Labels }
  | { readonly kind: 'cidr'; readonly cidr: string }
  | { readonly kind: 'fqdn'; readonly name: string }
  /** The API server; `cidrs` when the engine can only name it by address. */
  | { readonly kind: 'api-server'; readonly cidrs: readonly string[] }
  | { readonly kind: 'internet' };

/** A port or a range of one protocol. */
export interface PlanPort {
  /** The protocol. */
  readonly protocol: FlowProtocol;
  /** The first port. */
  readonly from: number;
  /** The last port (equal to `from` for a single port). */
  readonly to: number;
}

/** One rule: the peers that share the same ports. */
export interface PlanRule {
  /** The peers, any of which may connect. */
  readonly peers: readonly PlanPeer[];
  /** The ports they may use. */
  readonly ports: readonly PlanPort[];
}

/** One workload's policy. */
export interface PlanWorkload {
  /** The policy name (unique in the namespace). */
  readonly name: string;
  /** The labels that select the workload's pods. */
  readonly labels: Labels;
  /** The connections the workload accepts. */
  readonly ingress: readonly PlanRule[];
  /** The connections the workload opens (DNS is left to the namespace's allowance). */
  readonly egress: readonly PlanRule[];
}

/** One namespace's recommendation: default deny, DNS, and one policy per workload that talks. */
export interface PlanNamespace {
  /** The namespace name. */
  readonly name: string;
  /** One entry per workload that talks, in name order. */
  readonly workloads: readonly PlanWorkload[];
}

/** The recommendation as data, rendered to YAML and to TypeScript alike. */
export interface RecommendationPlan {
  /** The engine the plan is written for. */
  readonly engine: RecommendEngine;
  /** The namespaces, in name order. */
  readonly namespaces: readonly PlanNamespace[];
  /** Flows that could not be written as rules, and why. */
  readonly notes: readonly string[];
}

const DNS_PORT = 53;

/** Turns observations into one policy per workload per recommended namespace. */
export function buildPlan(observations: readonly Observation[], options: PlanOptions): RecommendationPlan {
  const wanted = options.namespaces ? new Set(options.namespaces) : undefined;
  const recommended = (ns: string) => (wanted ? wanted.has(ns) : !SYSTEM_NAMESPACES.includes(ns));
  const byNamespace = new Map<string, Map<string, WorkloadBuilder>>();
  const builder = (end: Extract<AggregateEnd, { kind: 'workload' }>): WorkloadBuilder => {
    const workloads = byNamespace.get(end.namespace) ?? new Map<string, WorkloadBuilder>();
    byNamespace.set(end.namespace, workloads);
    let b = workloads.get(end.key);
    if (!b) { b = new WorkloadBuilder(end.name, end.labels); workloads.set(end.key, b); }
    return b;
  };
  const notes: string[] = [];
  for (const o of observations) {
    if (o.src.kind === 'workload' && recommended(o.src.namespace) && !isClusterDns(o.dst, o.port)) {
      if (o.dst.kind === 'api-server' && options.engine === RecommendEngine.KUBERNETES && o.addresses.length === 0) {
        notes.push(`${o.src.namespace}/${o.src.name} reaches the API server on ${o.port}/${o.protocol}, but the flows carry no address and Kubernetes NetworkPolicy names the API server only by address: allow it with Peer.kubeApiServer({ cidrs: [...] }) by hand.`);
        continue;
      }
      for (const peer of peersOf(o.dst, o.src.namespace, options.engine, o, 'egress')) builder(o.src).add('egress', peer, o.protocol, o.port);
    }
    if (o.dst.kind === 'workload' && recommended(o.dst.namespace)) {
      for (const peer of peersOf(o.src, o.dst.namespace, options.engine, o, 'ingress')) builder(o.dst).add('ingress', peer, o.protocol, o.port);
    }
  }
  const namespaces = [...byNamespace.entries()]
    .sort((a, b) => compareText(a[0], b[0]))
    .map(([name, workloads]) => ({ name, workloads: uniqueNames([...workloads.values()].map((w) => w.build(options.mergePorts ?? false))) }));
  return { engine: options.engine, namespaces, notes };
}

/** kube-dns on 53: the namespace's DNS allowance covers it. */
function isClusterDns(end: AggregateEnd, port: number): boolean {
  return end.kind === 'workload' && end.namespace === 'kube-system' && end.labels['k8s-app'] === 'kube-dns' && port === DNS_PORT;
}

/** The peers a rule names for an end seen from `namespace`. */
function peersOf(end: AggregateEnd, namespace: string, engine: RecommendEngine, o: Observation, direction: 'ingress' | 'egress'): PlanPeer[] {
  switch (end.kind) {
    case 'workload':
      return [{ kind: 'pods', namespace: end.namespace === namespace ? undefined : end.namespace, labels: end.labels }];
    case 'block':
      if (direction === 'egress' && engine === RecommendEngine.CILIUM && o.names.length > 0) return o.names.map((name) => ({ kind: 'fqdn', name }));
      return [{ kind: 'cidr', cidr: end.cidr }];
    case 'api-server':
      return [{ kind: 'api-server', cidrs: engine === RecommendEngine.KUBERNETES ? o.addresses.map((a) => `${a}/${a.includes(':') ? 128 : 32}`) : [] }];
    case 'public':
      return [{ kind: 'internet' }];
    case 'private':
      return RFC1918.map((cidr) => ({ kind: 'cidr', cidr }));
  }
}

function peerKey(p: PlanPeer): string {
  switch (p.kind) {
    case 'pods': return `pods:${p.namespace ?? ''}:${labelsText(p.labels)}`;
    case 'cidr': return `cidr:${p.cidr}`;
    case 'fqdn': return `fqdn:${p.name}`;
    case 'api-server': return `api:${p.cidrs.join(',')}`;
    case 'internet': return 'internet';
  }
}

/** Collects one workload's rules: per direction, per peer, the ports seen. */
class WorkloadBuilder {
  private readonly rules = { ingress: new Map<string, { peer: PlanPeer; ports: Set<string> }>(), egress: new Map<string, { peer: PlanPeer; ports: Set<string> }>() };

  constructor(private readonly name: string, private readonly labels: Labels) {}

  public add(direction: 'ingress' | 'egress', peer: PlanPeer, protocol: FlowProtocol, port: number): void {
    const key = peerKey(peer);
    let entry = this.rules[direction].get(key);
    if (!entry) { entry = { peer, ports: new Set() }; this.rules[direction].set(key, entry); }
    entry.ports.add(`${protocol}/${port}`);
  }

  public build(merge: boolean): PlanWorkload {
    return { name: this.name, labels: this.labels, ingress: group(this.rules.ingress, merge), egress: group(this.rules.egress, merge) };
  }
}

/** Peers that share exactly the same ports become one rule; rules in a stable order. */
function group(entries: Map<string, { peer: PlanPeer; ports: Set<string> }>, merge: boolean): PlanRule[] {
  const byPorts = new Map<string, { peers: { key: string; peer: PlanPeer }[]; ports: PlanPort[] }>();
  for (const [key, e] of entries) {
    const ports = toPorts(e.ports, merge);
    const portsKey = ports.map((p) => `${p.protocol}/${p.from}-${p.to}`).join(',');
    const g = byPorts.get(portsKey) ?? { peers: [], ports };
    g.peers.push({ key, peer: e.peer });
    byPorts.set(portsKey, g);
  }
  return [...byPorts.values()]
    .map((g) => ({ peers: g.peers.sort((a, b) => compareText(a.key, b.key)).map((p) => p.peer), ports: g.ports, key: g.peers.map((p) => p.key).join('|') }))
    .sort((a, b) => compareText(a.key, b.key))
    .map(({ peers, ports }) => ({ peers, ports }));
}

function toPorts(seen: Set<string>, merge: boolean): PlanPort[] {
  const list = [...seen].map((s) => { const [protocol, port] = s.split('/'); return { protocol: protocol as FlowProtocol, port: Number(port) }; })
    .sort((a, b) => compareText(a.protocol, b.protocol) || a.port - b.port);
  const out: PlanPort[] = [];
  for (const p of list) {
    const last = out[out.length - 1];
    if (merge && last && last.protocol === p.protocol && last.to + 1 === p.port) out[out.length - 1] = { ...last, to: p.port };
    else out.push({ protocol: p.protocol, from: p.port, to: p.port });
  }
  return out;
}

/** Policy names: DNS-1123, unique within the namespace, stable. */
function uniqueNames(workloads: PlanWorkload[]): PlanWorkload[] {
  const sorted = [...workloads].sort((a, b) => compareText(a.name, b.name) || compareText(labelsText(a.labels), labelsText(b.labels)));
  const used = new Set<string>(['allow-dns', 'default-deny']);
  return sorted.map((w) => {
    const base = toDnsLabel(`allow-${w.name}`, 58);
    let name = base;
    for (let i = 2; used.has(name); i++) name = `${base}-${i}`;
    used.add(name);
    return { ...w, name };
  });
}
