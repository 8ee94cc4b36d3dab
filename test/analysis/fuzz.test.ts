import * as fc from 'fast-check';
import { Analysis, diffAnalyses, explain, formatCsv, formatGraph, formatText, fromObjects, lint, loadText } from 'eks-zero-trust/analysis';
import { KubeObject } from '../../lib/manifests/types';

// Bad input must come back as problems, never as an exception: any shape of
// value under the fields the analyzer reads, in every kind it reads.

const KINDS: readonly [string, string][] = [
  ['v1', 'Namespace'], ['v1', 'Pod'], ['v1', 'Service'], ['apps/v1', 'Deployment'], ['batch/v1', 'CronJob'],
  ['networking.k8s.io/v1', 'NetworkPolicy'],
  ['projectcalico.org/v3', 'NetworkPolicy'], ['projectcalico.org/v3', 'GlobalNetworkPolicy'], ['projectcalico.org/v3', 'StagedNetworkPolicy'],
  ['projectcalico.org/v3', 'StagedKubernetesNetworkPolicy'], ['projectcalico.org/v3', 'Tier'], ['projectcalico.org/v3', 'NetworkSet'], ['projectcalico.org/v3', 'GlobalNetworkSet'],
  ['cilium.io/v2', 'CiliumNetworkPolicy'], ['cilium.io/v2', 'CiliumClusterwideNetworkPolicy'], ['cilium.io/v2alpha1', 'CiliumCIDRGroup'],
  ['policy.networking.k8s.io/v1alpha1', 'AdminNetworkPolicy'], ['policy.networking.k8s.io/v1alpha1', 'BaselineAdminNetworkPolicy'],
  ['policy.networking.k8s.io/v1alpha2', 'ClusterNetworkPolicy'],
];

const FIELDS = [
  'podSelector', 'namespaceSelector', 'matchLabels', 'matchExpressions', 'key', 'operator', 'values', 'policyTypes', 'ingress', 'egress',
  'from', 'to', 'ports', 'port', 'endPort', 'protocol', 'ipBlock', 'cidr', 'except', 'selector', 'types', 'action', 'source', 'destination',
  'nets', 'notNets', 'notSelector', 'notPorts', 'services', 'serviceAccounts', 'names', 'tier', 'order', 'defaultAction', 'stagedAction',
  'endpointSelector', 'nodeSelector', 'fromEndpoints', 'toEndpoints', 'toPorts', 'rules', 'http', 'dns', 'fromEntities', 'toEntities',
  'fromCIDR', 'toCIDR', 'fromCIDRSet', 'toCIDRSet', 'toFQDNs', 'ingressDeny', 'egressDeny', 'enableDefaultDeny', 'specs', 'subject',
  'pods', 'namespaces', 'priority', 'protocols', 'portNumber', 'portRange', 'start', 'end', 'networks', 'externalCIDRs', 'cidrGroupRef',
  'template', 'jobTemplate', 'spec', 'metadata', 'labels', 'containers', 'initContainers', 'containerPort', 'name', 'serviceAccountName',
  'ownerReferences', 'controller', 'kind',
];

const scalar = fc.oneof(
  fc.constant(null), fc.boolean(), fc.integer({ min: -5, max: 70000 }),
  fc.constantFrom('', 'TCP', 'UDP', 'SCTP', 'ICMP', 'http', '80', '8080', '10.0.0.0/8', '10.0.0.1/8', '::/0', 'nope', 'world', 'kube-apiserver',
    "app == 'web'", 'all()', 'has(app)', 'app in {', 'In', 'NotIn', 'Exists', 'Allow', 'Deny', 'Pass', 'Log', 'Ingress', 'Egress', 'a', 'web', '*.example.com'),
);

const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('node'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...FIELDS), tie('node'), { maxKeys: 4 })),
})).node;

const object = fc.record({
  kindOf: fc.constantFrom(...KINDS),
  name: fc.oneof(fc.constantFrom('a', 'b', 'web', 'default.p', 'security.p'), value),
  namespace: fc.oneof(fc.constantFrom(undefined, 'a', 'b'), value),
  labels: fc.oneof(fc.dictionary(fc.constantFrom('app', 'team', 'k8s-app'), fc.constantFrom('web', 'db', 'blue')), value),
  spec: value,
  extra: fc.dictionary(fc.constantFrom('specs', 'subject'), value, { maxKeys: 1 }),
}).map(({ kindOf: [apiVersion, kind], name, namespace, labels, spec, extra }) => ({
  apiVersion, kind, metadata: { name, namespace, labels }, spec, ...extra,
}) as unknown as KubeObject);

/** On any few objects from `objects`: analysis, JSON, explain, lint, every output format and a diff run to the end. */
function runsToTheEnd(objects: fc.Arbitrary<KubeObject>): void {
  fc.assert(fc.property(fc.array(objects, { minLength: 1, maxLength: 8 }), (sample) => {
    const a = Analysis.of(fromObjects(sample, 'fuzz'));
    expect(() => a.toJsonText()).not.toThrow();
    for (const w of a.workloads.slice(0, 3)) for (const d of [...a.workloads.slice(0, 3), ...a.externals.slice(0, 2)]) {
      if (w !== d) expect(explain(a, w, d, 80, 'TCP').text).toEqual(expect.any(String));
    }
    expect(() => lint(a, {})).not.toThrow();
    everyOutput(a);
  }), { numRuns: 300 });
}

/** Every output format and a diff against nothing run to the end. */
function everyOutput(a: Analysis): void {
  for (const out of [formatText(a), formatCsv(a), formatGraph(a, 'mermaid'), formatGraph(a, 'dot')]) expect(out).toEqual(expect.any(String));
  const changes = diffAnalyses(Analysis.of(fromObjects([], 'none')), a);
  expect(changes.every((c) => c.change === 'added')).toBe(true);
  expect(changes).toHaveLength(a.connections().length);
}

describe('malformed objects of every kind are problems, not exceptions', () => {
  test('analysis, JSON, explain and lint run to the end', () => {
    runsToTheEnd(object);
  });
});

// The same with objects shaped like the real kinds, down to their leaves,
// so that the fuzzer reaches deep into each dialect's rules.
const partial = <T extends { [key: string]: fc.Arbitrary<unknown> }>(fields: T) => fc.record(fields, { requiredKeys: [] });
const leaf = fc.oneof(scalar, value);
const labelsGen = fc.oneof(fc.dictionary(fc.constantFrom('app', 'team', 'k8s:app', 'kubernetes.io/metadata.name'), fc.oneof(fc.constantFrom('web', 'db', 'a', 'blue'), leaf), { maxKeys: 2 }), leaf);
const selectorGen = fc.oneof(partial({ matchLabels: labelsGen, matchExpressions: fc.oneof(fc.array(partial({ key: fc.oneof(fc.constantFrom('app', 'team'), leaf), operator: leaf, values: fc.oneof(fc.array(leaf, { maxLength: 2 }), leaf) }), { maxLength: 2 }), leaf) }), leaf);
const list = <T>(item: fc.Arbitrary<T>) => fc.oneof(fc.array(item, { maxLength: 3 }), leaf);
const k8sPeer = partial({ podSelector: selectorGen, namespaceSelector: selectorGen, ipBlock: partial({ cidr: leaf, except: list(leaf) }) });
const k8sPort = partial({ protocol: leaf, port: leaf, endPort: leaf });
const k8sSpec = partial({ podSelector: selectorGen, policyTypes: list(fc.oneof(fc.constantFrom('Ingress', 'Egress'), leaf)), ingress: list(partial({ from: list(k8sPeer), ports: list(k8sPort) })), egress: list(partial({ to: list(k8sPeer), ports: list(k8sPort) })) });
const calicoEntity = partial({ selector: leaf, namespaceSelector: leaf, notSelector: leaf, nets: list(leaf), notNets: list(leaf), ports: list(leaf), notPorts: list(leaf), services: partial({ name: leaf, namespace: leaf }), serviceAccounts: partial({ names: list(leaf), selector: leaf }) });
const calicoRule = partial({ action: fc.oneof(fc.constantFrom('Allow', 'Deny', 'Pass', 'Log'), leaf), protocol: leaf, source: calicoEntity, destination: calicoEntity, http: leaf });
const calicoSpec = partial({ tier: fc.oneof(fc.constantFrom('default', 'security'), leaf), order: leaf, selector: leaf, namespaceSelector: leaf, types: list(leaf), ingress: list(calicoRule), egress: list(calicoRule), stagedAction: leaf });
const ciliumPorts = list(partial({ ports: list(partial({ port: leaf, endPort: leaf, protocol: leaf })), rules: fc.oneof(partial({ http: list(partial({ method: leaf, path: leaf })), dns: list(partial({ matchName: leaf, matchPattern: leaf })) }), leaf) }));
const ciliumIngress = partial({ fromEndpoints: list(selectorGen), fromEntities: list(leaf), fromCIDR: list(leaf), fromCIDRSet: list(partial({ cidr: leaf, except: list(leaf), cidrGroupRef: leaf })), toPorts: ciliumPorts });
const ciliumEgress = partial({ toEndpoints: list(selectorGen), toEntities: list(leaf), toCIDR: list(leaf), toCIDRSet: list(partial({ cidr: leaf, except: list(leaf), cidrGroupRef: leaf })), toFQDNs: list(partial({ matchName: leaf, matchPattern: leaf })), toPorts: ciliumPorts });
const ciliumSpec = partial({ endpointSelector: selectorGen, nodeSelector: leaf, ingress: list(ciliumIngress), egress: list(ciliumEgress), ingressDeny: list(ciliumIngress), egressDeny: list(ciliumEgress), enableDefaultDeny: partial({ ingress: leaf, egress: leaf }) });
const adminPeer = fc.oneof(partial({ namespaces: selectorGen }), partial({ pods: partial({ namespaceSelector: selectorGen, podSelector: selectorGen }) }), partial({ networks: list(leaf) }), leaf);
const adminRule = (peers: string) => partial({ action: fc.oneof(fc.constantFrom('Allow', 'Accept', 'Deny', 'Pass'), leaf), [peers]: list(adminPeer), ports: list(partial({ portNumber: partial({ port: leaf, protocol: leaf }), portRange: partial({ start: leaf, end: leaf, protocol: leaf }) })), protocols: list(leaf) });
const adminSpec = partial({ priority: leaf, tier: leaf, subject: adminPeer, ingress: list(adminRule('from')), egress: list(adminRule('to')) });
const podTemplate = partial({ metadata: partial({ labels: labelsGen }), spec: partial({ serviceAccountName: leaf, containers: list(fc.oneof(partial({ name: leaf, ports: list(partial({ containerPort: leaf, name: leaf, protocol: leaf })) }), leaf)) }) });

const shaped: fc.Arbitrary<KubeObject> = fc.oneof(
  fc.record({ apiVersion: fc.constant('apps/v1'), kind: fc.constant('Deployment'), metadata: fc.record({ name: fc.constantFrom('web', 'db'), namespace: fc.constantFrom('a', 'b') }), spec: partial({ template: podTemplate }) }),
  fc.record({ apiVersion: fc.constant('v1'), kind: fc.constant('Namespace'), metadata: fc.record({ name: fc.constantFrom('a', 'b'), labels: labelsGen }) }),
  fc.record({ apiVersion: fc.constant('networking.k8s.io/v1'), kind: fc.constant('NetworkPolicy'), metadata: fc.record({ name: fc.constantFrom('p', 'q'), namespace: fc.constantFrom('a', 'b') }), spec: k8sSpec }),
  fc.record({ apiVersion: fc.constant('projectcalico.org/v3'), kind: fc.constantFrom('NetworkPolicy', 'GlobalNetworkPolicy', 'StagedNetworkPolicy'), metadata: fc.record({ name: fc.constantFrom('p', 'security.p'), namespace: fc.constantFrom('a', 'b') }), spec: calicoSpec }),
  fc.record({ apiVersion: fc.constant('projectcalico.org/v3'), kind: fc.constant('Tier'), metadata: fc.record({ name: fc.constant('security') }), spec: partial({ order: leaf, defaultAction: leaf }) }),
  fc.record({ apiVersion: fc.constant('cilium.io/v2'), kind: fc.constantFrom('CiliumNetworkPolicy', 'CiliumClusterwideNetworkPolicy'), metadata: fc.record({ name: fc.constantFrom('p', 'q'), namespace: fc.constantFrom('a', 'b') }), spec: ciliumSpec }),
  fc.record({ apiVersion: fc.constantFrom('policy.networking.k8s.io/v1alpha1', 'policy.networking.k8s.io/v1alpha2'), kind: fc.constantFrom('AdminNetworkPolicy', 'BaselineAdminNetworkPolicy', 'ClusterNetworkPolicy'), metadata: fc.record({ name: fc.constantFrom('p', 'q') }), spec: adminSpec }),
) as unknown as fc.Arbitrary<KubeObject>;

describe('objects shaped like each kind, with any leaves, are problems, not exceptions', () => {
  test('analysis, JSON, explain and lint run to the end', () => {
    runsToTheEnd(shaped);
  });
});

describe('alias-heavy and deeply nested YAML is bounded in time and memory', () => {
  /** A YAML text: anchors nested `depth` deep, each listing the one below `fan` times, used under `where`. */
  const aliasText = (depth: number, fan: number, where: string) => {
    const anchors = [`a0: &a0 [x${', x'.repeat(fan - 1)}]`];
    for (let i = 1; i <= depth; i++) anchors.push(`a${i}: &a${i} [${Array(fan).fill(`*a${i - 1}`).join(', ')}]`);
    return `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: p\n  namespace: a\n  annotations: { ${anchors.join(', ')} }\nspec:\n  podSelector: { matchLabels: { app: web } }\n  ${where}: *a${depth}\n`;
  };
  const nested = (depth: number, open: string, close: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: deep }\ndata: { x: ${open.repeat(depth)}1${close.repeat(depth)} }\n`;

  test('any alias fan-out and depth, and any nesting, end in well under a second with a bounded heap', () => {
    fc.assert(fc.property(
      fc.oneof(
        fc.record({ depth: fc.integer({ min: 1, max: 14 }), fan: fc.integer({ min: 2, max: 12 }), where: fc.constantFrom('ingress', 'egress', 'policyTypes') }).map((x) => aliasText(x.depth, x.fan, x.where)),
        fc.record({ depth: fc.integer({ min: 1, max: 20_000 }), kind: fc.constantFrom(['[', ']'], ['{ a: ', ' }']) }).map((x) => nested(x.depth, x.kind[0], x.kind[1])),
      ),
      (text) => {
        const heap = process.memoryUsage().heapUsed;
        const t = process.hrtime.bigint();
        const a = Analysis.of(loadText(`${text}---\napiVersion: v1\nkind: Namespace\nmetadata: { name: a }\n`, 'fuzz.yaml'));
        a.toJsonText();
        expect(Number(process.hrtime.bigint() - t) / 1e6).toBeLessThan(1000);
        expect(process.memoryUsage().heapUsed - heap).toBeLessThan(256 * 2 ** 20);
        expect(a.inventory.namespaces.has('a')).toBe(true);
      },
    ), { numRuns: 40 });
  });
});
