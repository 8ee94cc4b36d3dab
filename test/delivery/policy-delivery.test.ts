import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cdk8s from 'cdk8s';
import { CiliumMode, ClusterPolicy, DeliveryMethod, IamServiceAccount, LabelSelector, NamespacePolicy, Peer, PolicyChart, PolicyDelivery, PolicyEngine, PolicyTarget, Port, Protocol, Rule, SecuredCluster, ZeroTrustNamespace, defaultReleaseName, shardOf, writeGitOps } from 'eks-zero-trust';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { addCaasTenant } from '../../examples/caas-tenants/tenant';
import { tenantNames } from '../../examples/caas-tenants/app';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { helmValues, logicalIdOf, logicalIdOfConstruct, resourcesOfType, testApp, waitsFor } from '../util';

const helmValuesOf = (t: Template) => helmValues(t, 'cilium');

const HELM = 'Custom::AWSCDK-EKS-HelmChart';

function deliver(tenants: number, engine?: PolicyEngine, method?: DeliveryMethod): { template: Template; stack: Stack } {
  const stack = new Stack(testApp(), 'S');
  const cluster = new SecuredCluster(stack, 'Cluster', { engine });
  const chart = new PolicyChart(new cdk8s.App(), 'tenants', { target: cluster.engine.target });
  for (const t of tenantNames(tenants)) addCaasTenant(chart, t);
  cluster.addPolicies('Policies', { charts: [chart], method });
  return { template: Template.fromStack(stack), stack };
}

describe('PolicyDelivery', () => {
  test('allIn finds the deliveries in a scope and under it, in construct order, and no others', () => {
    const stack = new Stack(testApp(), 'S');
    const cluster = new SecuredCluster(stack, 'Cluster');
    const chart = (id: string) => new PolicyChart(new cdk8s.App(), id, { target: cluster.engine.target });
    const first = cluster.addPolicies('First', { charts: [chart('a')] });
    const second = cluster.addPolicies('Second', { charts: [chart('b')] });
    expect(PolicyDelivery.allIn(stack)).toEqual([first, second]);
    expect(PolicyDelivery.allIn(second)).toEqual([second]);
    expect(PolicyDelivery.allIn(cluster.engine)).toEqual([]);
  });

  test('the template does not grow with the number of tenants', () => {
    const size = (n: number) => JSON.stringify(deliver(n).template.toJSON()).length;
    expect(size(200)).toBe(size(5));
  });

  test('namespaces go in a foundation release, policies in a second that waits for it and for the engine', () => {
    const { template } = deliver(2);
    const charts = resourcesOfType(template, 'Custom::AWSCDK-EKS-HelmChart');
    const [foundationId] = Object.entries(charts).find(([, r]) => r.Properties.Release === 's-cluster-policies-foundation')!;
    const [, policies] = Object.entries(charts).find(([, r]) => r.Properties.Release === 's-cluster-policies')!;
    expect(policies.DependsOn).toEqual(expect.arrayContaining([foundationId, expect.stringMatching(/CalicoApiServerReady/)]));
    template.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', { Release: 's-cluster-policies', ChartAssetURL: Match.anyValue(), Namespace: 'kube-system', Wait: Match.absent() });
  });

  test('inline manifests grow with the tenants (the reason for chart assets)', () => {
    const size = (n: number) => JSON.stringify(deliver(n, undefined, DeliveryMethod.INLINE_MANIFEST).template.toJSON()).length;
    expect(size(20) - size(10)).toBeGreaterThan(10 * 1000);
  });

  test('a chart written for another engine is refused', () => {
    const stack = new Stack(testApp(), 'S');
    const cluster = new SecuredCluster(stack, 'Cluster', { engine: PolicyEngine.vpcCni() });
    const chart = new PolicyChart(new cdk8s.App(), 'shop', { target: PolicyTarget.CILIUM });
    new ZeroTrustNamespace(chart, 'shop');
    expect(() => cluster.addPolicies('Policies', { charts: [chart] })).toThrow(/S\/Cluster\/Policies: chart shop target "Cilium \(ENI mode\)" does not match the cluster's engine, Amazon VPC CNI network policy/);
  });

  test('Cilium staged warnings surface as CDK warnings', () => {
    const stack = new Stack(testApp(), 'S');
    const cluster = new SecuredCluster(stack, 'Cluster', { engine: PolicyEngine.cilium() });
    const chart = new PolicyChart(new cdk8s.App(), 'shop', { target: cluster.engine.target });
    new ZeroTrustNamespace(chart, 'shop', { staged: true });
    cluster.addPolicies('Policies', { charts: [chart] });
    Annotations.fromStack(stack).hasWarning('/S/Cluster/Policies', Match.stringLikeRegexp('Cilium has no staged policies'));
  });

  test('shards are stable: adding namespaces never moves existing ones', () => {
    const before = tenantNames(50).map((n) => shardOf(n, 4));
    const after = tenantNames(80).map((n) => shardOf(n, 4)).slice(0, 50);
    expect(after).toEqual(before);
    expect(new Set(before).size).toBe(4);
  });
});

describe('release names and ownership on one cluster', () => {
  function clusterAndChart(id = 'tenants', engine?: PolicyEngine): { stack: Stack; cluster: SecuredCluster; chart: PolicyChart } {
    const stack = new Stack(testApp(), 'S');
    const cluster = new SecuredCluster(stack, 'Cluster', { engine });
    return { stack, cluster, chart: new PolicyChart(new cdk8s.App(), id, { target: cluster.engine.target }) };
  }

  test('the default release name comes from the construct path: two deliveries never share one', () => {
    const { stack, cluster, chart } = clusterAndChart('a');
    new ZeroTrustNamespace(chart, 'team-a');
    const other = new PolicyChart(new cdk8s.App(), 'b', { target: cluster.engine.target });
    new ZeroTrustNamespace(other, 'team-b');
    cluster.addPolicies('TeamA', { charts: [chart] });
    cluster.addPolicies('TeamB', { charts: [other] });
    const releases = Object.values(resourcesOfType(Template.fromStack(stack), HELM)).map((r) => r.Properties.Release).filter((r) => typeof r === 'string' && r.startsWith('s-'));
    expect(releases.sort()).toEqual(['s-cluster-teama', 's-cluster-teama-foundation', 's-cluster-teamb', 's-cluster-teamb-foundation']);
  });

  test('a long path is shortened with its hash, within Helm\'s 53 characters with every suffix', () => {
    const name = defaultReleaseName('AVeryLongStackNameForAProductionAccount/SecuredClusterOfTheTeam/TenantPoliciesOfAllCustomers');
    expect(name).toMatch(/^averylongstacknameforaproductio-[0-9a-f]{8}$/);
    expect(`${name}-foundation`.length).toBeLessThanOrEqual(53);
    expect(defaultReleaseName('A/B')).toBe('a-b');
  });

  test('the same release name twice on one cluster is a synth error', () => {
    const { cluster, chart } = clusterAndChart('a');
    new ZeroTrustNamespace(chart, 'team-a');
    const other = new PolicyChart(new cdk8s.App(), 'b', { target: cluster.engine.target });
    new ZeroTrustNamespace(other, 'team-b');
    cluster.addPolicies('TeamA', { charts: [chart], release: 'shared' });
    expect(() => cluster.addPolicies('TeamB', { charts: [other], release: 'shared' })).toThrow(
      'S/Cluster/TeamB: release "shared" is already used on this cluster by S/Cluster/TeamA; one release would replace the other\'s policies, and deleting one would remove both. Fix: give each delivery its own release name, or leave release unset for a name derived from the construct path',
    );
  });

  test('the same namespace in two charts of one cluster is a synth error', () => {
    const { cluster, chart } = clusterAndChart('a');
    new ZeroTrustNamespace(chart, 'shared-ns');
    const other = new PolicyChart(new cdk8s.App(), 'b', { target: cluster.engine.target });
    new ZeroTrustNamespace(other, 'shared-ns');
    cluster.addPolicies('TeamA', { charts: [chart] });
    expect(() => cluster.addPolicies('TeamB', { charts: [other] })).toThrow(
      /S\/Cluster\/TeamB: Namespace shared-ns "b" is delivered twice to the cluster: by chart "b" and by chart "a" of S\/Cluster\/TeamA/,
    );
  });

  test('the same policy in two charts of one delivery is a synth error', () => {
    const { cluster, chart } = clusterAndChart('a');
    new ZeroTrustNamespace(chart, 'team-a');
    const other = new PolicyChart(new cdk8s.App(), 'b', { target: cluster.engine.target });
    new NamespacePolicy(other, 'default-deny', { namespace: 'team-a', ingress: [] });
    expect(() => cluster.addPolicies('Policies', { charts: [chart, other] })).toThrow(/NetworkPolicy team-a\/default-deny "b" is delivered twice to the cluster: by chart "b" and by chart "a"/);
  });

  test('a policy added to a chart after it was delivered fails where it is added', () => {
    const { cluster, chart } = clusterAndChart('a');
    const ns = new ZeroTrustNamespace(chart, 'team-a');
    cluster.addPolicies('Policies', { charts: [chart] });
    expect(() => ns.allow(ns.pods({ app: 'web' }), ns.pods({ app: 'db' }), [Port.tcp(5432)])).toThrow(
      'a/team-a: policy egress-web-to-db "a" is added to chart "a" after S/Cluster/Policies delivered it, so it would never reach the cluster.',
    );
    expect(ns.allPolicies.map((p) => p.node.id)).toEqual(['allow-dns', 'default-deny']);
  });

  test('a namespace added to a delivered chart fails, naming the delivery', () => {
    const { cluster, chart } = clusterAndChart('a');
    new ZeroTrustNamespace(chart, 'team-a');
    cluster.addPolicies('Policies', { charts: [chart] });
    expect(() => new ZeroTrustNamespace(chart, 'team-late')).toThrow(
      'a/team-late: namespace "a" is added to chart "a" after S/Cluster/Policies delivered it, so it would never reach the cluster. Fix: add every namespace, policy and rule before passing the chart to addPolicies / PolicyDelivery (or writeGitOps)',
    );
  });

  test('any other object added to a delivered chart fails the synth', () => {
    const { stack, cluster, chart } = clusterAndChart('a');
    new ZeroTrustNamespace(chart, 'team-a');
    cluster.addPolicies('Policies', { charts: [chart] });
    new cdk8s.ApiObject(chart, 'late', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'late' } });
    expect(() => Template.fromStack(stack)).toThrow(/S\/Cluster\/Policies: chart "a" got 1 construct\(s\) after it was delivered, which never reach the cluster/);
  });

  test('writeGitOps counts as delivery too', () => {
    const chart = new PolicyChart(new cdk8s.App(), 'g', { target: PolicyTarget.KUBERNETES });
    new ZeroTrustNamespace(chart, 'team-a');
    writeGitOps([chart], fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-')));
    expect(() => new ZeroTrustNamespace(chart, 'team-b')).toThrow(/after writeGitOps\(.*\) delivered it/);
  });
});

describe('ordering users should not have to add', () => {
  test.each([['before', true], ['after', false]])('an IRSA service account in a delivered namespace comes after the release that creates it (account created %s the delivery)', (_when, accountFirst) => {
    const stack = new Stack(testApp(), 'S');
    const cluster = new SecuredCluster(stack, 'Cluster');
    const chart = new PolicyChart(new cdk8s.App(), 'apps', { target: cluster.engine.target });
    new ZeroTrustNamespace(chart, 'payments');
    const account = () => cluster.addServiceAccount('Payments', { name: 'ledger', namespace: 'payments' });
    if (accountFirst) account();
    cluster.addPolicies('Policies', { charts: [chart] });
    if (!accountFirst) account();
    const template = Template.fromStack(stack);
    const foundation = logicalIdOf(template, HELM, (p) => p.Release === 's-cluster-policies-foundation');
    const manifest = logicalIdOf(template, 'Custom::AWSCDK-EKS-KubernetesResource', (p) => JSON.stringify(p.Manifest).includes('ledger'));
    expect(waitsFor(template, manifest, foundation)).toBe(true);
  });

  test('a service account in a namespace nobody here creates is not held back', () => {
    const stack = new Stack(testApp(), 'S');
    const cluster = new SecuredCluster(stack, 'Cluster');
    const account = new IamServiceAccount(stack, 'Sys', { cluster: cluster.cluster, name: 'node-agent', namespace: 'kube-system' });
    expect(account.serviceAccount.node.dependencies).toEqual([]);
  });

  test('in Cilium ENI mode every release that carries cilium.io objects waits for every node group and the CRDs', () => {
    const stack = new Stack(testApp(), 'S');
    const cluster = new SecuredCluster(stack, 'Cluster', { engine: PolicyEngine.cilium({ mode: CiliumMode.ENI }) });
    const extraNodes = cluster.cluster.addNodegroupCapacity('Extra', { minSize: 1 });
    cluster.engine.orderWithNodeGroup(extraNodes);
    const chart = new PolicyChart(new cdk8s.App(), 'shop', { target: cluster.engine.target });
    addCaasTenant(chart, 'acme');
    const delivery = cluster.addPolicies('Policies', { charts: [chart] });
    const template = Template.fromStack(stack);
    const nodegroups = Object.keys(template.findResources('AWS::EKS::Nodegroup'));
    expect(nodegroups).toHaveLength(2);
    const crdWaits = Object.keys(template.findResources('Custom::AWSCDK-EKS-KubernetesObjectValue'));
    const policyReleases = delivery.releases.map(logicalIdOfConstruct);
    expect(policyReleases.length).toBeGreaterThan(0);
    for (const release of policyReleases) {
      for (const target of [...nodegroups, ...crdWaits]) expect([release, target, waitsFor(template, release, target)]).toEqual([release, target, true]);
    }
  });
});

describe('engine settings the policies need', () => {
  function sctpPolicy(engine: PolicyEngine): () => void {
    const stack = new Stack(testApp(), 'S');
    const cluster = new SecuredCluster(stack, 'Cluster', { engine });
    const chart = new PolicyChart(new cdk8s.App(), 'sig', { target: cluster.engine.target });
    new NamespacePolicy(chart, 'sctp', { namespace: 'signal', appliesTo: LabelSelector.of({ app: 'smf' }), ingress: [Rule.allow({ peers: [Peer.pods({ app: 'amf' })], ports: [Port.sctp(38412)] })] });
    return () => cluster.addPolicies('Policies', { charts: [chart] });
  }

  test('SCTP ports on a Cilium without SCTP support fail at synth, naming the setting', () => {
    expect(sctpPolicy(PolicyEngine.cilium())).toThrow(
      'S/Cluster/Policies: CiliumNetworkPolicy signal/sctp "SCTP" has SCTP ports, which Cilium handles only with sctp.enabled (off by default). Fix: install Cilium with PolicyEngine.cilium({ sctp: true })',
    );
  });

  test('with sctp: true they are delivered', () => {
    expect(sctpPolicy(PolicyEngine.cilium({ sctp: true }))).not.toThrow();
    expect(Protocol.SCTP).toBe('SCTP');
  });
});

describe('guardrail kinds need the engine to enforce them', () => {
  function deliverGuardrail(engine: PolicyEngine, props: { clusterNetworkPolicy?: boolean } = {}): { stack: Stack; run: () => void } {
    const stack = new Stack(testApp(), 'S');
    const cluster = new SecuredCluster(stack, 'Cluster', { engine });
    const chart = new PolicyChart(new cdk8s.App(), 'guard', { target: cluster.engine.target });
    new ClusterPolicy(chart, 'deny-imds', { ...props, egress: [Rule.deny({ peers: [Peer.ipBlock('169.254.169.254/32')] })] });
    return { stack, run: () => cluster.addPolicies('Guardrails', { charts: [chart] }) };
  }

  test('an upstream ClusterNetworkPolicy on Cilium without the opt-in is refused', () => {
    expect(deliverGuardrail(PolicyEngine.cilium(), { clusterNetworkPolicy: true }).run).toThrow(/ClusterNetworkPolicy deny-imds "policy.networking.k8s.io\/v1alpha2" is a ClusterNetworkPolicy, which Cilium ignores unless k8sClusterNetworkPolicy is enabled/);
  });

  test('with Cilium 1.20 and the opt-in it is delivered after its CRD is established', () => {
    const { stack, run } = deliverGuardrail(PolicyEngine.cilium({ version: '1.20.0', clusterNetworkPolicy: true }), { clusterNetworkPolicy: true });
    expect(run).not.toThrow();
    const template = Template.fromStack(stack);
    expect(helmValuesOf(template).k8sClusterNetworkPolicy).toEqual({ enabled: true });
    const wait = logicalIdOf(template, 'Custom::AWSCDK-EKS-KubernetesObjectValue', (p) => p.ObjectName === 'clusternetworkpolicies.policy.networking.k8s.io');
    const release = logicalIdOf(template, HELM, (p) => p.Release === 's-cluster-guardrails');
    expect(waitsFor(template, release, wait)).toBe(true);
  });

  test('the opt-in on Cilium 1.19 is refused', () => {
    expect(() => new SecuredCluster(new Stack(testApp(), 'S'), 'Cluster', { engine: PolicyEngine.cilium({ clusterNetworkPolicy: true }) })).toThrow(/asks for ClusterNetworkPolicy, which Cilium enforces from 1.20/);
  });

  test('an Amazon EKS ClusterNetworkPolicy on a VPC CNI older than 1.21.1 is refused; an unpinned one warns', () => {
    expect(deliverGuardrail(PolicyEngine.vpcCni({ addonVersion: 'v1.20.4-eksbuild.1' })).run).toThrow(/is an Amazon EKS ClusterNetworkPolicy, which the VPC CNI enforces from 1.21.1. Fix: use PolicyEngine.vpcCni\(\{ addonVersion: 'v1.21.1-eksbuild.1' \}\) or later/);
    const unpinned = deliverGuardrail(PolicyEngine.vpcCni());
    unpinned.run();
    Annotations.fromStack(unpinned.stack).hasWarning('/S/Cluster/Guardrails', Match.stringLikeRegexp('needs the vpc-cni add-on 1.21.1 or later'));
    expect(deliverGuardrail(PolicyEngine.vpcCni({ addonVersion: 'v1.21.1-eksbuild.1' })).run).not.toThrow();
  });
});

describe('internet peers and the cluster\'s pod addresses', () => {
  function internetChart(network: boolean): () => void {
    const stack = new Stack(testApp(), 'S');
    const vpc = new ec2.Vpc(stack, 'Vpc', { ipAddresses: ec2.IpAddresses.cidr('198.18.0.0/16'), maxAzs: 2 });
    const cluster = new SecuredCluster(stack, 'Cluster', { vpc });
    const chart = new PolicyChart(new cdk8s.App(), 'web', { target: cluster.engine.target, network: network ? cluster.network : undefined });
    const ns = new ZeroTrustNamespace(chart, 'shop');
    ns.allowInternetEgress(ns.pods({ app: 'web' }));
    return () => cluster.addPolicies('Policies', { charts: [chart] });
  }

  test('a VPC block outside the default exclusions must be excluded by the chart: refused without network', () => {
    expect(internetChart(false)).toThrow(/S\/Cluster\/Policies: chart web network \["198.18.0.0\/16"\] holds pod addresses of the cluster that the chart's internet peers do not exclude.*Fix: create the PolicyChart with network: cluster.network/);
  });

  test('delivered when the chart was created with the cluster\'s network', () => {
    expect(internetChart(true)).not.toThrow();
  });
});

describe('what the VPC CNI does not match as written', () => {
  test('a Service whose port differs from its target port, and a Pod without owner, get warnings', () => {
    const stack = new Stack(testApp(), 'S');
    const cluster = new SecuredCluster(stack, 'Cluster', { engine: PolicyEngine.vpcCni() });
    const chart = new PolicyChart(new cdk8s.App(), 'apps', { target: cluster.engine.target });
    new ZeroTrustNamespace(chart, 'shop');
    new cdk8s.ApiObject(chart, 'svc', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } });
    new cdk8s.ApiObject(chart, 'same', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'shop' }, spec: { selector: { app: 'db' }, ports: [{ port: 5432, targetPort: 5432 }] } });
    new cdk8s.ApiObject(chart, 'pod', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'debug', namespace: 'shop' }, spec: { containers: [{ name: 'debug', image: 'busybox' }] } });
    cluster.addPolicies('Apps', { charts: [chart] });
    const annotations = Annotations.fromStack(stack);
    annotations.hasWarning('/S/Cluster/Apps', Match.stringLikeRegexp('Service shop/web maps port 80 to 8080; the VPC CNI matches policies only when a Service'));
    annotations.hasNoWarning('/S/Cluster/Apps', Match.stringLikeRegexp('Service shop/db'));
    annotations.hasWarning('/S/Cluster/Apps', Match.stringLikeRegexp('Pod shop/debug has no owner references; the VPC CNI applies no network policy'));
  });
});
