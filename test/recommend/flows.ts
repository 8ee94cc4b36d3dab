// Sample flows for the recommender's tests, written for them: the seed 003
// CaaS tenants as Hubble would print them, as Calico's Whisker serves them,
// and as CSV. Each scenario is data first, then rendered per format.

/** A workload of the sample cluster. */
export interface SampleWorkload {
  readonly namespace: string;
  readonly name: string;
  readonly kind: 'Deployment' | 'StatefulSet';
  readonly labels: { readonly [key: string]: string };
}

/** An address outside the cluster, with the names it was looked up by. */
export interface SampleAddress {
  readonly ip: string;
  readonly names?: readonly string[];
}

/** One connection of the scenario. */
export interface SampleFlow {
  readonly src: SampleWorkload | SampleAddress;
  readonly dst: SampleWorkload | SampleAddress;
  readonly protocol: 'TCP' | 'UDP';
  readonly port: number;
  readonly verdict?: 'FORWARDED' | 'DROPPED' | 'AUDIT';
}

export const KUBE_DNS: SampleWorkload = { namespace: 'kube-system', name: 'coredns', kind: 'Deployment', labels: { 'k8s-app': 'kube-dns', 'pod-template-hash': '5d78c9869d' } };

/** The seed 003 tenant's workloads: manager, postgres, rabbitmq, and the test pod `web`. */
export function tenantWorkloads(customer: string): { manager: SampleWorkload; postgres: SampleWorkload; rabbitmq: SampleWorkload; web: SampleWorkload } {
  const namespace = `tenant-${customer}`;
  return {
    manager: { namespace, name: 'cloudify-manager', kind: 'Deployment', labels: { 'app': 'cloudify-manager', 'pod-template-hash': '7c9d8b6f54' } },
    postgres: { namespace, name: 'postgres', kind: 'StatefulSet', labels: { 'app': 'postgres', 'controller-revision-hash': 'postgres-6b8f9d7c5', 'statefulset.kubernetes.io/pod-name': 'postgres-0' } },
    rabbitmq: { namespace, name: 'rabbitmq', kind: 'StatefulSet', labels: { 'app': 'rabbitmq', 'controller-revision-hash': 'rabbitmq-5f7d8c9b6', 'statefulset.kubernetes.io/pod-name': 'rabbitmq-0' } },
    web: { namespace, name: 'web', kind: 'Deployment', labels: { 'app': 'web', 'pod-template-hash': '6d4b9c8f7' } },
  };
}

/** What a day of the CaaS tenants looks like: every connection the seed's policies allow, used. */
export function caasScenario(customers: readonly string[]): SampleFlow[] {
  const flows: SampleFlow[] = [];
  customers.forEach((c, i) => {
    const t = tenantWorkloads(c);
    for (const w of [t.manager, t.postgres, t.rabbitmq, t.web]) flows.push({ src: w, dst: KUBE_DNS, protocol: 'UDP', port: 53 });
    flows.push({ src: { ip: `203.0.113.${10 + i}` }, dst: t.manager, protocol: 'TCP', port: 443 });
    flows.push({ src: { ip: `198.51.100.${20 + i}` }, dst: t.manager, protocol: 'TCP', port: 80 });
    flows.push({ src: t.manager, dst: t.postgres, protocol: 'TCP', port: 5432 });
    for (const port of [5672, 5671, 15672, 15671]) flows.push({ src: t.manager, dst: t.rabbitmq, protocol: 'TCP', port });
    flows.push({ src: t.manager, dst: { ip: '52.216.8.10', names: ['repository.cloudify.co'] }, protocol: 'TCP', port: 443 });
    // The seed's check: the test pod cannot reach the manager.
    flows.push({ src: t.web, dst: t.manager, protocol: 'TCP', port: 80, verdict: 'DROPPED' });
  });
  return flows;
}

const identities = new Map<string, number>();
function identityOf(w: SampleWorkload): number {
  const key = `${w.namespace}/${w.name}`;
  if (!identities.has(key)) identities.set(key, 20000 + identities.size * 7);
  return identities.get(key)!;
}

function isWorkload(e: SampleWorkload | SampleAddress): e is SampleWorkload {
  return 'namespace' in e;
}

function podIp(w: SampleWorkload): string {
  const n = identityOf(w) - 20000;
  return `10.0.${Math.floor(n / 250) + 1}.${(n % 250) + 2}`;
}

function podName(w: SampleWorkload): string {
  return w.kind === 'StatefulSet' ? `${w.name}-0` : `${w.name}-${w.labels['pod-template-hash'] ?? '6f7d8c9b5'}-x2k9q`;
}

function hubbleEndpoint(e: SampleWorkload | SampleAddress): object {
  if (!isWorkload(e)) return { identity: 2, labels: ['reserved:world'] };
  return {
    ID: identityOf(e) % 4000,
    identity: identityOf(e),
    cluster_name: 'default',
    namespace: e.namespace,
    labels: [
      ...Object.entries(e.labels).map(([k, v]) => `k8s:${k}=${v}`),
      `k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name=${e.namespace}`,
      'k8s:io.cilium.k8s.policy.cluster=default',
      'k8s:io.cilium.k8s.policy.serviceaccount=default',
      `k8s:io.kubernetes.pod.namespace=${e.namespace}`,
    ].sort(),
    pod_name: podName(e),
    workloads: [{ name: e.name, kind: e.kind }],
  };
}

/** One flow as a line of `hubble observe --output json`. */
export function hubbleLine(f: SampleFlow, i: number, extra: { isReply?: boolean; type?: string } = {}): string {
  const srcIp = isWorkload(f.src) ? podIp(f.src) : f.src.ip;
  const dstIp = isWorkload(f.dst) ? podIp(f.dst) : f.dst.ip;
  const l4 = { [f.protocol]: { source_port: 32768 + (i * 7919) % 28000, destination_port: f.port, ...(f.protocol === 'TCP' ? { flags: { SYN: true } } : {}) } };
  const names = !isWorkload(f.dst) && f.dst.names ? { destination_names: f.dst.names } : {};
  const time = `2026-11-30T10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.${String(i * 137 % 1e6).padStart(6, '0')}Z`;
  return JSON.stringify({
    flow: {
      time,
      uuid: `8f14e45f-ceea-467f-a0e6-${String(i).padStart(12, '0')}`,
      verdict: f.verdict ?? 'FORWARDED',
      ...(f.verdict === 'DROPPED' ? { drop_reason: 133, drop_reason_desc: 'POLICY_DENIED' } : {}),
      ethernet: { source: '02:42:ac:11:00:02', destination: '02:42:ac:11:00:03' },
      IP: { source: srcIp, destination: dstIp, ipVersion: 'IPv4' },
      l4,
      source: hubbleEndpoint(f.src),
      destination: hubbleEndpoint(f.dst),
      Type: extra.type ?? 'L3_L4',
      node_name: 'ip-10-0-1-10.ec2.internal',
      ...names,
      event_type: { type: f.verdict === 'DROPPED' ? 1 : 4, sub_type: 3 },
      traffic_direction: isWorkload(f.src) ? 'EGRESS' : 'INGRESS',
      trace_observation_point: 'TO_ENDPOINT',
      is_reply: extra.isReply ?? false,
      Summary: f.protocol === 'TCP' ? 'TCP Flags: SYN' : 'UDP',
    },
    node_name: 'ip-10-0-1-10.ec2.internal',
    time,
  });
}

/** The scenario as a Hubble export: each flow, its reply, an L7 record and a kubelet probe now and then, one broken line. */
export function hubbleExport(flows: readonly SampleFlow[]): string {
  const lines: string[] = [];
  flows.forEach((f, i) => {
    lines.push(hubbleLine(f, i));
    lines.push(hubbleLine({ ...f, src: f.dst, dst: f.src }, i, { isReply: true }));
    if (f.port === 53) lines.push(hubbleLine(f, i, { type: 'L7' }));
  });
  const probe = JSON.parse(hubbleLine({ src: { ip: '10.0.1.10' }, dst: KUBE_DNS, protocol: 'TCP', port: 8080 }, 9999)) as { flow: { source: object } };
  probe.flow.source = { identity: 1, labels: ['reserved:host'] };
  lines.push(JSON.stringify(probe));
  lines.push('{"flow": {"verdict": "FORWARDED", "l4": ');
  return `${lines.join('\n')}\n`;
}

/** One flow as an item of Calico Whisker's `/flows` (a Goldmane flow, flattened). */
export function whiskerLine(f: SampleFlow, reporter: 'Src' | 'Dst'): string {
  const end = (e: SampleWorkload | SampleAddress) => (isWorkload(e)
    ? { name: e.kind === 'StatefulSet' ? `${e.name}-*` : `${e.name}-${e.labels['pod-template-hash']}-*`, namespace: e.namespace, labels: Object.entries(e.labels).map(([k, v]) => `${k}=${v}`).join(' | ') }
    : { name: e.ip.startsWith('10.') ? 'pvt' : 'pub', namespace: '', labels: '' });
  const s = end(f.src);
  const d = end(f.dst);
  return JSON.stringify({
    start_time: '2026-11-30T10:00:00Z', end_time: '2026-11-30T10:00:15Z',
    action: f.verdict === 'DROPPED' ? 'Deny' : 'Allow',
    source_name: s.name, source_namespace: s.namespace, source_labels: s.labels,
    dest_name: d.name, dest_namespace: d.namespace, dest_labels: d.labels,
    protocol: f.protocol.toLowerCase(), dest_port: f.port, reporter,
    policies: { enforced: [], pending: [] },
    packets_in: 12, packets_out: 10, bytes_in: 2400, bytes_out: 1800,
  });
}

/** The scenario as Whisker flow items, each reported by both ends. */
export function whiskerExport(flows: readonly SampleFlow[]): string {
  return `${flows.flatMap((f) => [whiskerLine(f, 'Src'), whiskerLine(f, 'Dst')]).join('\n')}\n`;
}

/** The scenario as the recommender's CSV. */
export function csvExport(flows: readonly SampleFlow[]): string {
  const end = (e: SampleWorkload | SampleAddress) => (isWorkload(e) ? [e.namespace, `"${Object.entries(e.labels).map(([k, v]) => `${k}=${v}`).join(',')}"`] : ['', e.ip]);
  return `src_ns,src_labels,dst_ns,dst_labels_or_cidr,protocol,port\n${flows.filter((f) => f.verdict !== 'DROPPED').map((f) => [...end(f.src), ...end(f.dst), f.protocol, f.port].join(',')).join('\n')}\n`;
}
