import { textRanks } from '../core/order';
import { KubeObject } from '../manifests/types';
import { InputProblem, SourcedObject } from './load';
import { CalicoMember, ContainerPort, Endpoint } from './model';
import { AnalyzedProtocol, PROTOCOLS } from './port-set';
import { CALICO_NAMESPACE_LABEL, CALICO_NAMESPACE_NAME, Labels } from './selectors';

/** The workload kinds, and where their pod template lives. */
export const WORKLOAD_KINDS: { readonly [kind: string]: readonly string[] } = {
  Pod: [],
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

/** A Service, for engines that match policy peers by service. */
export interface ServiceInfo {
  readonly namespace: string;
  readonly name: string;
  readonly selector?: Labels;
}

/** Workloads, namespaces and services of the input. */
export interface Inventory {
  readonly workloads: Endpoint[];
  /** Workloads left out because their pods use the host's network (ids). */
  readonly hostNetwork: string[];
  readonly namespaces: Map<string, Labels>;
  readonly services: ServiceInfo[];
}

const NAME_LABEL = 'kubernetes.io/metadata.name';

function stringMap(value: unknown): { [key: string]: string } {
  const out: { [key: string]: string } = {};
  if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

function dig(object: unknown, path: readonly string[]): unknown {
  let cur = object;
  for (const p of path) cur = cur && typeof cur === 'object' ? (cur as { [key: string]: unknown })[p] : undefined;
  return cur;
}

/** Builds the workloads, namespaces and services from the objects. */
export function buildInventory(objects: readonly SourcedObject[], problems: InputProblem[]): Inventory {
  const namespaces = new Map<string, Labels>();
  const services: ServiceInfo[] = [];
  const hostNetwork: string[] = [];
  const byId = new Map<string, { kind: string; namespace: string; name: string; labels: Labels; ports: ContainerPort[]; serviceAccount?: string; source: SourcedObject }>();
  for (let i = 0; i < objects.length; i++) {
    const s = objects[i];
    const o = s.object;
    if (o.apiVersion === 'v1' && o.kind === 'Namespace' && o.metadata.name) {
      namespaces.set(o.metadata.name, { ...stringMap(o.metadata.labels), [NAME_LABEL]: o.metadata.name });
      continue;
    }
    if (o.apiVersion === 'v1' && o.kind === 'Service' && o.metadata.name) {
      const selector = dig(o, ['spec', 'selector']);
      services.push({ namespace: o.metadata.namespace ?? 'default', name: o.metadata.name, selector: selector ? stringMap(selector) : undefined });
      continue;
    }
    const templatePath = WORKLOAD_KINDS[o.kind];
    if (templatePath === undefined || !/^(v1|apps\/v1|batch\/v1)$/.test(o.apiVersion)) continue;
    const namespace = o.metadata.namespace ?? 'default';
    const template = templatePath.length === 0 ? o : dig(o, templatePath);
    const meta = (templatePath.length === 0 ? o.metadata : dig(template, ['metadata'])) as KubeObject['metadata'] | undefined;
    const podSpec = dig(template, ['spec']);
    const owner = o.kind === 'Pod' ? podOwner(o) : undefined;
    const kind = owner ? owner.kind : o.kind;
    const name = owner ? owner.name : o.metadata.name;
    if (!name) { problems.push({ file: s.file, index: s.index, field: 'metadata.name', message: `${o.kind} has no name` }); continue; }
    const id = `${namespace}/${name}`;
    if ((podSpec as { hostNetwork?: unknown } | undefined)?.hostNetwork === true) {
      if (!hostNetwork.includes(id)) hostNetwork.push(id);
      continue;
    }
    const ports = containerPorts(podSpec, s, problems);
    const existing = byId.get(id);
    const labels = stringMap(meta?.labels);
    if (existing && existing.kind !== 'Pod' && o.kind === 'Pod') {
      // The owner's pods are one workload, analyzed with the labels of the
      // first one read; a pod whose labels differ is said, not silently merged.
      const differing = differingKeys(existing.labels, labels);
      if (differing.length > 0) {
        problems.push({ file: s.file, index: s.index, field: 'metadata.labels', message: `differ from those of the first pod of ${existing.kind} ${id} (${differing.join(', ')}); the workload is analyzed with the first pod's labels (${existing.source.file}#${existing.source.index})` });
      }
      continue;
    }
    byId.set(id, { kind, namespace, name, labels, ports, serviceAccount: (dig(podSpec, ['serviceAccountName']) as string | undefined) ?? 'default', source: s });
  }
  const workloads: Endpoint[] = [];
  const rank = textRanks(byId.keys());
  for (const [id, w] of [...byId.entries()].sort((a, b) => rank.get(a[0])! - rank.get(b[0])!)) {
    if (!namespaces.has(w.namespace)) namespaces.set(w.namespace, { [NAME_LABEL]: w.namespace });
    const nsLabels = namespaces.get(w.namespace) ?? {};
    workloads.push(makeWorkload(workloads.length, id, w.kind, w.namespace, w.labels, nsLabels, w.ports, w.serviceAccount, { file: w.source.file, index: w.source.index }));
  }
  return { workloads, namespaces, services, hostNetwork: hostNetwork.sort() };
}

/**
 * The owner a Pod is reported under: its controller, else its one owner
 * (as np-guard's netpol-analyzer names pods after their owner); never a Node
 * (static pods' mirror owner).
 */
function podOwner(o: KubeObject): { kind: string; name: string } | undefined {
  const refs = (o.metadata.ownerReferences ?? []).filter((r) => typeof r.kind === 'string' && typeof r.name === 'string' && r.name !== '' && r.kind !== 'Node');
  return refs.find((r) => r.controller === true) ?? (refs.length === 1 ? refs[0] : undefined);
}

/** Label keys whose values differ between two label sets, sorted. */
function differingKeys(a: Labels, b: Labels): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => a[k] !== b[k]).sort();
}

/**
 * A workload endpoint. The label views of Calico and Cilium are built on
 * first use: most inputs use one dialect, and large clusters have thousands
 * of workloads.
 */
class Workload implements Endpoint {
  private calico?: Labels;
  private calicoNs?: Labels;
  private cilium?: Labels;
  private members?: readonly CalicoMember[];

  constructor(
    public readonly idx: number,
    public readonly id: string,
    public readonly kind: string,
    public readonly namespace: string,
    public readonly labels: Labels,
    public readonly nsLabels: Labels,
    public readonly ports: readonly ContainerPort[],
    public readonly serviceAccount: string | undefined,
    public readonly source: { file: string; index: number } | undefined,
  ) {}

  public get calicoLabels(): Labels {
    this.calico ??= { ...this.labels, [CALICO_NAMESPACE_LABEL]: this.namespace, 'projectcalico.org/orchestrator': 'k8s', ...(this.serviceAccount ? { 'projectcalico.org/serviceaccount': this.serviceAccount } : {}) };
    return this.calico;
  }

  public get calicoNsLabels(): Labels {
    this.calicoNs ??= { ...this.nsLabels, [CALICO_NAMESPACE_NAME]: this.namespace };
    return this.calicoNs;
  }

  public get calicoMembers(): readonly CalicoMember[] {
    this.members ??= [this];
    return this.members;
  }

  public get ciliumLabels(): Labels {
    if (!this.cilium) {
      const cilium: { [key: string]: string } = { ...this.labels, 'io.kubernetes.pod.namespace': this.namespace };
      for (const [k, v] of Object.entries(this.nsLabels)) cilium[`io.cilium.k8s.namespace.labels.${k}`] = v;
      if (this.serviceAccount) cilium['io.cilium.k8s.policy.serviceaccount'] = this.serviceAccount;
      this.cilium = cilium;
    }
    return this.cilium;
  }
}

/** Builds a workload endpoint with the label views each engine matches against. */
export function makeWorkload(idx: number, id: string, kind: string, namespace: string, labels: Labels, nsLabels: Labels, ports: readonly ContainerPort[], serviceAccount: string | undefined, source: { file: string; index: number } | undefined): Endpoint {
  return new Workload(idx, id, kind, namespace, labels, nsLabels, ports, serviceAccount, source);
}

function containerPorts(podSpec: unknown, s: SourcedObject, problems: InputProblem[]): ContainerPort[] {
  const out: ContainerPort[] = [];
  for (const list of CONTAINER_LISTS) {
    const containers = dig(podSpec, [list]);
    if (!Array.isArray(containers)) continue;
    for (let ci = 0; ci < containers.length; ci++) {
      const ports = (containers[ci] as { ports?: unknown } | null)?.ports;
      if (!Array.isArray(ports)) continue;
      for (let pi = 0; pi < ports.length; pi++) {
        const p = ports[pi] as { containerPort?: unknown; protocol?: unknown; name?: unknown } | null;
        const port = p?.containerPort;
        if (typeof port !== 'number' || port < 1 || port > 65535) {
          problems.push({ file: s.file, index: s.index, field: `${list}[${ci}].ports[${pi}].containerPort`, message: `is ${JSON.stringify(port)}, not a port 1-65535` });
          continue;
        }
        const protocol = p?.protocol ?? 'TCP';
        if (!(PROTOCOLS as readonly unknown[]).includes(protocol)) {
          problems.push({ file: s.file, index: s.index, field: `${list}[${ci}].ports[${pi}].protocol`, message: `is ${JSON.stringify(protocol)}, not TCP, UDP or SCTP` });
          continue;
        }
        out.push(typeof p?.name === 'string' ? { port, protocol: protocol as AnalyzedProtocol, name: p.name } : { port, protocol: protocol as AnalyzedProtocol });
      }
    }
  }
  return out;
}

const CONTAINER_LISTS = ['initContainers', 'containers'] as const;
