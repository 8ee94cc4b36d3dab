import {
  CALICO_POLICY_ORDERS, ClusterNetwork, ClusterPolicy, GuardrailTier, INSTANCE_METADATA, KubeObject, LabelSelector, NamespacePolicy, Peer,
  PolicyChart, PolicyTarget, PolicyTier, Port, Protocol, Rule, TierAccess, TierDefaultAction, ZeroTrustNamespace, evaluationOrder,
} from 'eks-zero-trust';
import { Connectivity } from 'eks-zero-trust/analysis';
import { App, Chart } from 'cdk8s';
import { KUBE_DNS, objectNamed, policyChart } from './fixtures';

/** A Deployment with `app: <name>` labels and the given container ports. */
function deployment(namespace: string, name: string, ports: number[] = []): KubeObject {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace },
    spec: { template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, ports: ports.map((containerPort) => ({ containerPort })) }] } } },
  } as KubeObject;
}

/** Two tenants, each with a manager and a postgres, in zero-trust namespaces. */
function tenants(chart: Chart): void {
  for (const t of ['tenant-a', 'tenant-b']) {
    const ns = new ZeroTrustNamespace(chart, t);
    ns.allow(ns.pods({ app: 'manager' }), ns.pods({ app: 'postgres' }), [Port.tcp(5432)]);
  }
}
const TENANT_WORKLOADS = ['tenant-a', 'tenant-b'].flatMap((t) => [deployment(t, 'manager', [80]), deployment(t, 'postgres', [5432])]);

describe('1. a Calico guardrail never switches off namespace isolation', () => {
  function guardrails(defaultAction: TierDefaultAction): PolicyChart {
    const chart = policyChart(PolicyTarget.CALICO);
    const tier = new PolicyTier(chart, 'security', { order: 100, defaultAction });
    tenants(chart);
    new ClusterPolicy(chart, 'deny-in-from-bad', { tier: tier.name, ingress: [Rule.deny({ peers: [Peer.ipBlock('198.51.100.0/24')] })] });
    new ClusterPolicy(chart, 'deny-out-to-imds', { tier: tier.name, egress: [Rule.deny({ peers: INSTANCE_METADATA.map((c) => Peer.ipBlock(c)) })] });
    return chart;
  }

  test('no catch-all Pass rule is rendered: the tier\'s default action passes what the rules leave', () => {
    const chart = guardrails(TierDefaultAction.PASS);
    const rules = (objectNamed(chart, 'security.deny-in-from-bad').spec.ingress as { action: string }[]);
    expect(rules).toEqual([{ action: 'Deny', source: { nets: ['198.51.100.0/24'] } }]);
    const policies = (chart.toJson() as KubeObject[]).filter((o) => o.kind !== 'Tier');
    expect(policies.flatMap((o) => JSON.stringify(o.spec ?? {}).match(/"Pass"/g) ?? [])).toEqual([]);
  });

  test('the analyzer agrees: with an ingress and an egress guardrail, tenant A still cannot reach tenant B', () => {
    const net = Connectivity.of([guardrails(TierDefaultAction.PASS)], [...TENANT_WORKLOADS, KUBE_DNS]);
    net.assertDenied('tenant-a/manager', 'tenant-b/postgres', '5432/TCP');
    net.assertAllowed('tenant-a/manager', 'tenant-a/postgres', '5432/TCP');
    net.assertDenied('198.51.100.7', 'tenant-a/manager', '80/TCP');
    net.assertDenied('tenant-a/manager', '169.254.169.254', '80/TCP');
  });

  test('both guardrails of one tier are evaluated (the first no longer passes everything on)', () => {
    const chart = policyChart(PolicyTarget.CALICO);
    const tier = new PolicyTier(chart, 'security', { order: 100, defaultAction: TierDefaultAction.PASS });
    new ZeroTrustNamespace(chart, 'shop').allowInternetEgress(Peer.pods({ app: 'web' }));
    new ClusterPolicy(chart, 'a-first', { tier: tier.name, order: 1, egress: [Rule.deny({ peers: [Peer.ipBlock('203.0.113.0/24')] })] });
    new ClusterPolicy(chart, 'b-second', { tier: tier.name, order: 2, egress: [Rule.deny({ peers: [Peer.ipBlock('198.51.100.0/24')] })] });
    const net = Connectivity.of([chart], [deployment('shop', 'web'), KUBE_DNS]);
    net.assertDenied('shop/web', '203.0.113.5', '443/TCP');
    net.assertDenied('shop/web', '198.51.100.5', '443/TCP');
    net.assertAllowed('shop/web', '192.0.2.1', '443/TCP');
  });

  test('a guardrail in Calico\'s default tier is refused: it would isolate every pod it selects', () => {
    const chart = policyChart(PolicyTarget.CALICO);
    expect(() => new ClusterPolicy(chart, 'g', { egress: [Rule.deny({ peers: [Peer.ipBlock('203.0.113.0/24')] })] })).toThrow(
      'test/g/Resource: isolate false makes a guardrail in Calico\'s default tier, whose unmatched traffic is denied (its default action is Deny), so the guardrail would isolate every pod it selects. Fix: put it in a PolicyTier with defaultAction: TierDefaultAction.PASS, ordered before the default tier',
    );
  });

  test('a guardrail in a tier whose default action is Deny is refused, naming the fix', () => {
    const chart = policyChart(PolicyTarget.CALICO);
    new PolicyTier(chart, 'strict', { order: 100 });
    expect(() => new ClusterPolicy(chart, 'g', { tier: 'strict', egress: [Rule.deny({ peers: [Peer.ipBlock('203.0.113.0/24')] })] })).toThrow(
      'tier "strict" has defaultAction Deny, so a guardrail in it would isolate every pod it selects. Fix: give the tier defaultAction: TierDefaultAction.PASS, or set isolate: true',
    );
  });

  test('a guardrail in a tier the app does not define is refused', () => {
    expect(() => new ClusterPolicy(policyChart(PolicyTarget.CALICO), 'g', { tier: 'elsewhere', egress: [Rule.deny({ peers: [Peer.ipBlock('203.0.113.0/24')] })] })).toThrow(
      /tier "elsewhere" is not a PolicyTier of this app/,
    );
  });
});

describe('2. Calico evaluates denies before allows, never by name', () => {
  function managerWithDeny(target: PolicyTarget): Chart {
    const chart = policyChart(target);
    const tenant = new ZeroTrustNamespace(chart, 'tenant');
    const manager = tenant.pods({ app: 'cloudify-manager' });
    tenant.deny(manager, Peer.ipBlock('203.0.113.10/32'), [Port.tcp(443)]);
    tenant.allowInternetEgress(manager);
    return chart;
  }

  test('every Calico policy gets an explicit order: denies 100, allowances 1000, isolation 2000', () => {
    const chart = managerWithDeny(PolicyTarget.CALICO);
    const orders = Object.fromEntries((chart.toJson() as KubeObject[]).filter((o) => o.kind === 'NetworkPolicy').map((o) => [o.metadata.name, (o.spec as { order: number }).order]));
    expect(orders).toEqual({
      'allow-dns': CALICO_POLICY_ORDERS.allow,
      'default-deny': CALICO_POLICY_ORDERS.isolation,
      'deny-cloudify-manager-to-203-0-113-10-32': CALICO_POLICY_ORDERS.deny,
      'cloudify-manager-to-internet': CALICO_POLICY_ORDERS.allow,
    });
  });

  test.each([['Calico', PolicyTarget.CALICO], ['Cilium', PolicyTarget.CILIUM]])('%s: the denied address stays denied next to internet egress', (_name, target) => {
    const net = Connectivity.of([managerWithDeny(target)], [deployment('tenant', 'cloudify-manager'), KUBE_DNS]);
    net.assertDenied('tenant/cloudify-manager', '203.0.113.10', '443/TCP');
    net.assertAllowed('tenant/cloudify-manager', '203.0.113.11', '443/TCP');
    net.assertAllowed('tenant/cloudify-manager', '203.0.113.10', '80/TCP');
  });

  test('within a policy Deny rules come first: [allow 10/8, deny 10.1/16] denies 10.1.x on Calico as on Cilium', () => {
    for (const target of [PolicyTarget.CALICO, PolicyTarget.CILIUM]) {
      const chart = policyChart(target);
      new NamespacePolicy(chart, 'mixed', {
        namespace: 'shop', order: target === PolicyTarget.CALICO ? 50 : undefined, egress: [Rule.allow({ peers: [Peer.ipBlock('10.0.0.0/8')] }), Rule.deny({ peers: [Peer.ipBlock('10.1.0.0/16')] })],
      });
      if (target === PolicyTarget.CALICO) expect(objectNamed(chart, 'mixed').spec.egress.map((r: { action: string }) => r.action)).toEqual(['Deny', 'Allow']);
      const net = Connectivity.of([chart], [deployment('shop', 'web')]);
      net.assertDenied('shop/web', '10.1.2.3', '443/TCP');
      net.assertAllowed('shop/web', '10.2.2.3', '443/TCP');
    }
  });

  test('Log rules stay first (they never decide), then Deny, then Allow, each group in the order written', () => {
    const log = Rule.log({ peers: [Peer.ipBlock('10.9.0.0/16')] });
    const allow = Rule.allow({ peers: [Peer.ipBlock('10.0.0.0/8')] });
    const deny1 = Rule.deny({ peers: [Peer.ipBlock('10.1.0.0/16')] });
    const deny2 = Rule.deny({ peers: [Peer.ipBlock('10.2.0.0/16')] });
    expect(evaluationOrder([allow, deny1, log, deny2])).toEqual([log, deny1, deny2, allow]);
  });

  test('one Calico policy that allows and denies without an explicit order is refused', () => {
    expect(() => new NamespacePolicy(policyChart(PolicyTarget.CALICO), 'mixed', {
      namespace: 'shop', egress: [Rule.allow({ peers: [Peer.ipBlock('10.0.0.0/8')] }), Rule.deny({ peers: [Peer.ipBlock('10.1.0.0/16')] })],
    })).toThrow(/rules \["Allow","Deny"\] mix Allow with Deny or Pass in one policy.*Fix: put the Deny and Pass rules in a policy of their own \(ZeroTrustNamespace.deny does\), or set order explicitly/);
  });
});

describe('3. a ZeroTrustNamespace is isolated in a tier whose default action is Pass', () => {
  function passTier(target = PolicyTarget.CALICO): Chart {
    const chart = policyChart(target);
    new PolicyTier(chart, 'apps', { order: 500, defaultAction: TierDefaultAction.PASS });
    const ns = new ZeroTrustNamespace(chart, 'shop', { tier: 'apps' });
    ns.allow(ns.pods({ app: 'web' }), ns.pods({ app: 'db' }), [Port.tcp(5432)]);
    return chart;
  }

  test('the default deny has explicit Deny rules, ordered after the allowances', () => {
    expect(objectNamed(passTier(), 'apps.default-deny').spec).toEqual({
      tier: 'apps', order: CALICO_POLICY_ORDERS.isolation, selector: 'all()', types: ['Ingress', 'Egress'],
      ingress: [{ action: 'Deny' }], egress: [{ action: 'Deny' }],
    });
    expect(objectNamed(passTier(), 'apps.ingress-web-to-db').spec.order).toBeLessThan(CALICO_POLICY_ORDERS.isolation);
  });

  test('the analyzer agrees: nothing outside reaches the namespace, and the allowed flow still works', () => {
    const net = Connectivity.of([passTier()], [deployment('shop', 'web'), deployment('shop', 'db', [5432]), deployment('other', 'client'), KUBE_DNS]);
    net.assertDenied('other/client', 'shop/db', '5432/TCP');
    net.assertDenied('shop/db', 'other/client', '80/TCP');
    net.assertAllowed('shop/web', 'shop/db', '5432/TCP');
  });
});

describe('4. Cilium cannot deny a DNS name', () => {
  test('a domain name on a deny rule is refused, naming what works', () => {
    const ns = new ZeroTrustNamespace(policyChart(PolicyTarget.CILIUM), 'shop');
    expect(() => ns.deny(ns.pods({ app: 'web' }), Peer.fqdn('evil.example.com'), [Port.tcp(443)])).toThrow(
      'egress[0] peer 0 "evil.example.com" is a domain name on a Deny rule; engines match names only to allow them. Fix: allow only the names you trust (the default deny drops the rest), or deny the addresses with Peer.ipBlock',
    );
  });

  test('no toFQDNs is ever rendered under egressDeny', () => {
    const chart = policyChart(PolicyTarget.CILIUM);
    const ns = new ZeroTrustNamespace(chart, 'shop');
    ns.allow(ns.pods({ app: 'web' }), Peer.fqdn('api.github.com'), [Port.tcp(443)]);
    ns.deny(ns.pods({ app: 'web' }), Peer.ipBlock('203.0.113.0/24'), [Port.tcp(443)]);
    for (const o of chart.toJson() as KubeObject[]) expect(JSON.stringify((o.spec as { egressDeny?: unknown } | undefined)?.egressDeny ?? [])).not.toContain('toFQDNs');
  });
});

describe('5. Cilium default deny means the same on every version', () => {
  test('an isolated direction without allow rules gets a rule whose only peer is the "none" entity, never {}', () => {
    const chart = policyChart(PolicyTarget.CILIUM);
    new ZeroTrustNamespace(chart, 'shop');
    expect(objectNamed(chart, 'default-deny').spec).toEqual({
      endpointSelector: {},
      ingress: [{ fromEntities: ['none'] }],
      egress: [{ toEntities: ['none'] }],
      enableDefaultDeny: { ingress: true, egress: true },
    });
    const denyOnly = policyChart(PolicyTarget.CILIUM);
    new NamespacePolicy(denyOnly, 'deny-only', { namespace: 'shop', egress: [Rule.deny({ peers: [Peer.ipBlock('203.0.113.0/24')] })] });
    expect(objectNamed(denyOnly, 'deny-only').spec).toMatchObject({ egress: [{ toEntities: ['none'] }], egressDeny: [{ toCIDRSet: [{ cidr: '203.0.113.0/24' }] }] });
    for (const o of [...chart.toJson(), ...denyOnly.toJson()] as KubeObject[]) expect(JSON.stringify(o)).not.toMatch(/\[\{\}\]/);
  });

  test('the analyzer reads it as isolation', () => {
    const chart = policyChart(PolicyTarget.CILIUM);
    new ZeroTrustNamespace(chart, 'shop');
    const net = Connectivity.of([chart], [deployment('shop', 'web', [80]), deployment('other', 'client'), KUBE_DNS]);
    net.assertDenied('other/client', 'shop/web', '80/TCP');
    net.assertAllowed('shop/web', 'kube-system/coredns', '53/UDP');
  });
});

describe('6. "the internet" never contains pods', () => {
  test('100.64.0.0/10 (EKS custom networking) is excluded by default', () => {
    const chart = policyChart();
    const ns = new ZeroTrustNamespace(chart, 'shop');
    ns.allowInternetEgress(ns.pods({ app: 'web' }));
    expect(objectNamed(chart, 'web-to-internet').spec.egress[0].to[0].ipBlock.except).toContain('100.64.0.0/10');
  });

  test('the chart\'s network (the VPC\'s blocks) is excluded too, where RFC 1918 does not cover it', () => {
    const chart = new PolicyChart(new App(), 'net', { target: PolicyTarget.CALICO, network: ClusterNetwork.of({ podCidrs: ['10.0.0.0/16', '198.19.0.0/16', '2600:1f14:abc:de00::/56'], ipv6: true }) });
    const ns = new ZeroTrustNamespace(chart, 'shop');
    ns.allowInternetEgress(ns.pods({ app: 'web' }));
    const rules = objectNamed(chart, 'web-to-internet').spec.egress as { destination: { nets: string[]; notNets: string[] } }[];
    expect(rules[0].destination.notNets).toEqual(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16', '198.19.0.0/16']);
    expect(rules[1].destination.notNets).toEqual(['fc00::/7', 'fe80::/10', '2600:1f14:abc:de00::/56']);
  });

  test('an IPv6 network without its IPv6 block is refused', () => {
    expect(() => new PolicyChart(new App(), 'v6', { target: PolicyTarget.CALICO, network: ClusterNetwork.of({ podCidrs: ['10.0.0.0/16'], ipv6: true }) })).toThrow(
      /network.podCidrs \["10.0.0.0\/16"\] has no IPv6 block, but pods of an IPv6 cluster get global IPv6 addresses/,
    );
  });
});

describe('7. the API server, as destination and as source (webhooks)', () => {
  test('Kubernetes NetworkPolicy without addresses: the fix offers the control-plane addresses, not the VPC', () => {
    const ns = new ZeroTrustNamespace(policyChart(), 'ops');
    expect(() => ns.allow(ns.pods({ app: 'controller' }), Peer.kubeApiServer(), [Port.tcp(443)])).toThrow(/the endpoints of default\/kubernetes and its ClusterIP .*not the VPC's block/);
  });

  test('a broad block for the API server warns', () => {
    const chart = policyChart();
    const ns = new ZeroTrustNamespace(chart, 'ops');
    ns.allow(ns.pods({ app: 'controller' }), Peer.kubeApiServer({ cidrs: ['10.0.0.0/16'] }), [Port.tcp(443)]);
    const warnings = chart.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === 'eks-zero-trust:warning').map((m) => (m.data as { id: string; message: string })));
    expect(warnings).toContainEqual({ id: 'eks-zero-trust:api-server-cidr-broad', message: expect.stringContaining('names the API server by 10.0.0.0/16, 65536 addresses') });
  });

  test.each([
    [PolicyTarget.CILIUM, { fromEntities: ['kube-apiserver'], toPorts: [{ ports: [{ port: '9443', protocol: 'TCP' }] }] }],
    [PolicyTarget.CALICO, { action: 'Allow', source: { services: { name: 'kubernetes', namespace: 'default' } } }],
  ])('ingress from the API server to a webhook (%s)', (target, rendered) => {
    const chart = policyChart(target);
    const ns = new ZeroTrustNamespace(chart, 'lb');
    ns.allow(Peer.kubeApiServer(), ns.pods({ app: 'aws-load-balancer-controller' }), [Port.tcp(9443)]);
    expect(objectNamed(chart, 'ingress-kube-apiserver-to-aws-load-balancer-controller').spec.ingress).toEqual([rendered]);
  });

  test('ingress from the API server on Kubernetes NetworkPolicy goes by its addresses', () => {
    const chart = policyChart();
    const ns = new ZeroTrustNamespace(chart, 'lb');
    ns.allow(Peer.kubeApiServer({ cidrs: ['10.0.12.34/32', '172.20.0.1/32'] }), ns.pods({ app: 'webhook' }), [Port.tcp(9443)], { name: 'api-to-webhook' });
    expect(objectNamed(chart, 'ingress-api-to-webhook').spec.ingress[0].from).toEqual([{ ipBlock: { cidr: '10.0.12.34/32' } }, { ipBlock: { cidr: '172.20.0.1/32' } }]);
  });
});

describe('8. peers EKS users need', () => {
  test('nodes: Cilium host and remote-node; other dialects by the node subnets, which they need', () => {
    const cilium = policyChart(PolicyTarget.CILIUM);
    new NamespacePolicy(cilium, 'probes', { namespace: 'shop', ingress: [Rule.allow({ peers: [Peer.nodes()], ports: [Port.tcp(8080)] })] });
    expect(objectNamed(cilium, 'probes').spec.ingress).toEqual([{ fromEntities: ['host', 'remote-node'], toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }] }] }]);
    expect(() => new NamespacePolicy(policyChart(), 'probes', { namespace: 'shop', ingress: [Rule.allow({ peers: [Peer.nodes()] })] })).toThrow(/has no addresses, and Kubernetes NetworkPolicy matches nodes by address/);
    const k8s = policyChart();
    new NamespacePolicy(k8s, 'probes', { namespace: 'shop', ingress: [Rule.allow({ peers: [Peer.nodes({ cidrs: ['10.0.128.0/18'] })] })] });
    expect(objectNamed(k8s, 'probes').spec.ingress[0].from).toEqual([{ ipBlock: { cidr: '10.0.128.0/18' } }]);
  });

  test('the Pod Identity agent: Cilium\'s host entity, its link-local addresses elsewhere', () => {
    const cilium = policyChart(PolicyTarget.CILIUM);
    const ns = new ZeroTrustNamespace(cilium, 'app');
    ns.allow(ns.pods({ app: 'worker' }), Peer.podIdentityAgent(), [Port.tcp(80)]);
    expect(objectNamed(cilium, 'egress-worker-to-eks-pod-identity-agent').spec.egress[0]).toMatchObject({ toEntities: ['host'] });
    const k8s = policyChart();
    const ns2 = new ZeroTrustNamespace(k8s, 'app');
    ns2.allow(ns2.pods({ app: 'worker' }), Peer.podIdentityAgent(), [Port.tcp(80)]);
    expect(objectNamed(k8s, 'egress-worker-to-eks-pod-identity-agent').spec.egress[0].to).toEqual([{ ipBlock: { cidr: '169.254.170.23/32' } }, { ipBlock: { cidr: 'fd00:ec2::23/128' } }]);
  });

  test('ICMP: Calico type and code, Cilium icmps by type; refused on Kubernetes NetworkPolicy', () => {
    const calico = policyChart(PolicyTarget.CALICO);
    new NamespacePolicy(calico, 'ping', { namespace: 'shop', ingress: [Rule.allow({ peers: [Peer.pods({ app: 'monitor' })], ports: [Port.icmp(8, 0)] })] });
    expect(objectNamed(calico, 'ping').spec.ingress).toEqual([{ action: 'Allow', protocol: 'ICMP', icmp: { type: 8, code: 0 }, source: { selector: "app == 'monitor'" } }]);
    const cilium = policyChart(PolicyTarget.CILIUM);
    new NamespacePolicy(cilium, 'ping', { namespace: 'shop', ingress: [Rule.allow({ peers: [Peer.pods({ app: 'monitor' })], ports: [Port.icmp(8)] })] });
    expect(objectNamed(cilium, 'ping').spec.ingress).toEqual([{ fromEndpoints: [{ matchLabels: { app: 'monitor' } }], icmps: [{ fields: [{ type: 8, family: 'IPv4' }] }] }]);
    expect(() => new NamespacePolicy(policyChart(), 'ping', { namespace: 'shop', ingress: [Rule.allow({ ports: [Port.icmp(8)] })] })).toThrow(/needs ICMP rules, which Kubernetes NetworkPolicy cannot enforce/);
    expect(() => new NamespacePolicy(policyChart(PolicyTarget.CILIUM), 'ping', { namespace: 'shop', ingress: [Rule.allow({ ports: [Port.icmp(3, 4)] })] })).toThrow(/names an ICMP code, which Cilium cannot match/);
  });

  test('VPC endpoints by their subnets, which the internet peer excludes', () => {
    const chart = policyChart();
    const ns = new ZeroTrustNamespace(chart, 'app');
    ns.allow(ns.pods({ app: 'worker' }), Peer.vpcEndpoints(['10.0.192.0/24', '10.0.193.0/24']), [Port.tcp(443)], { name: 'worker-to-sts' });
    expect(objectNamed(chart, 'egress-worker-to-sts').spec.egress[0].to).toEqual([{ ipBlock: { cidr: '10.0.192.0/24' } }, { ipBlock: { cidr: '10.0.193.0/24' } }]);
  });
});

describe('9. VPC CNI limits', () => {
  test('more than 24 port and protocol combinations for one CIDR are refused', () => {
    const ports = Array.from({ length: 25 }, (_, i) => Port.tcp(8000 + i));
    expect(() => new NamespacePolicy(policyChart(PolicyTarget.VPC_CNI), 'many', { namespace: 'x', egress: [Rule.allow({ peers: [Peer.ipBlock('203.0.113.0/24')], ports })] })).toThrow(
      'egress ports for 203.0.113.0/24 25 are more port and protocol combinations than the 24 the VPC CNI\'s node agent keeps per CIDR; the rest would be dropped. Fix: merge ports into ranges (Port.range), or split the block',
    );
    expect(() => new NamespacePolicy(policyChart(PolicyTarget.VPC_CNI), 'ok', { namespace: 'x', egress: [Rule.allow({ peers: [Peer.ipBlock('203.0.113.0/24')], ports: ports.slice(0, 24) })] })).not.toThrow();
  });
});

describe('10. tier RBAC', () => {
  test('global policy rights are a role of their own, bound cluster-wide; namespaced rights only per namespace', () => {
    const chart = policyChart(PolicyTarget.CALICO);
    const tier = new PolicyTier(chart, 'team', { order: 300 });
    new TierAccess(chart, 'devs', { tier, namespaces: ['pay'], groups: ['pay-devs'], globalPolicies: true });
    const objects = chart.toJson() as { kind: string; metadata: { name: string; namespace?: string }; rules?: { resources: string[] }[]; roleRef?: { name: string } }[];
    const role = (suffix: string) => objects.find((o) => o.kind === 'ClusterRole' && o.metadata.name.endsWith(suffix))!;
    expect(role('-editor').rules![0].resources).toEqual(['tier.networkpolicies', 'tier.stagednetworkpolicies']);
    expect(role('-global-editor').rules![0].resources).toEqual(['tier.globalnetworkpolicies', 'tier.stagedglobalnetworkpolicies']);
    const clusterWide = objects.filter((o) => o.kind === 'ClusterRoleBinding').map((o) => o.roleRef!.name);
    expect(clusterWide.some((n) => n.endsWith('-editor') && !n.endsWith('-global-editor'))).toBe(false);
    expect(objects.filter((o) => o.kind === 'RoleBinding').map((o) => [o.metadata.namespace, o.roleRef!.name.endsWith('-editor')])).toEqual([['pay', true]]);
  });
});

describe('guardrails on every engine', () => {
  test('VPC CNI: an Amazon EKS ClusterNetworkPolicy, Admin tier, deny first, with domainNames for Accept egress', () => {
    const chart = policyChart(PolicyTarget.VPC_CNI);
    new ClusterPolicy(chart, 'egress-guard', {
      namespaces: LabelSelector.of({ team: 'payments' }),
      egress: [
        Rule.allow({ peers: [Peer.fqdn('api.stripe.com')], ports: [Port.tcp(443)] }),
        Rule.deny({ peers: INSTANCE_METADATA.map((c) => Peer.ipBlock(c)) }),
      ],
    });
    expect(objectNamed(chart, 'egress-guard')).toEqual({
      apiVersion: 'networking.k8s.aws/v1alpha1', kind: 'ClusterNetworkPolicy',
      metadata: { name: 'egress-guard', labels: { 'app.kubernetes.io/created-by': 'eks-zero-trust' } },
      spec: {
        tier: 'Admin', priority: 100, subject: { namespaces: { matchLabels: { team: 'payments' } } },
        egress: [
          { action: 'Deny', to: [{ networks: ['169.254.169.254/32', 'fd00:ec2::254/128'] }] },
          { action: 'Accept', to: [{ domainNames: ['api.stripe.com'] }], ports: [{ portNumber: { port: 443, protocol: 'TCP' } }] },
        ],
      },
    });
  });

  test('VPC CNI: a Baseline guardrail, and what a ClusterNetworkPolicy cannot say is refused', () => {
    const chart = policyChart(PolicyTarget.VPC_CNI);
    new ClusterPolicy(chart, 'apart', { guardrailTier: GuardrailTier.BASELINE, ingress: [Rule.deny({ peers: [Peer.podsInNamespacesMatching(LabelSelector.of({ env: 'dev' }))] })] });
    expect(objectNamed(chart, 'apart').spec).toEqual({ tier: 'Baseline', priority: 100, subject: { namespaces: {} }, ingress: [{ action: 'Deny', from: [{ namespaces: { matchLabels: { env: 'dev' } } }] }] });
    expect(() => new ClusterPolicy(policyChart(PolicyTarget.VPC_CNI), 'x', { egress: [Rule.allow({ peers: [Peer.internet()] })] })).toThrow(/is the internet, a block with exceptions, which a ClusterNetworkPolicy network cannot have/);
    expect(() => new ClusterPolicy(policyChart(PolicyTarget.VPC_CNI), 'y', { egress: [Rule.deny({ peers: [Peer.fqdn('x.example.com')] })] })).toThrow(/matches on Accept egress rules only/);
    expect(() => new ClusterPolicy(policyChart(PolicyTarget.VPC_CNI), 'z', { isolate: true, egress: [Rule.deny({ peers: [Peer.ipBlock('203.0.113.0/24')] })] })).toThrow(/which never isolates/);
  });

  test('Calico: upstream ClusterNetworkPolicy on request, next to GlobalNetworkPolicy', () => {
    const chart = policyChart(PolicyTarget.CALICO);
    new ClusterPolicy(chart, 'imds', { clusterNetworkPolicy: true, order: 10, egress: [Rule.deny({ peers: [Peer.ipBlock('169.254.169.254/32')], ports: [Port.tcp(80), Port.range(Protocol.TCP, 8000, 8080)] })] });
    expect(objectNamed(chart, 'imds')).toMatchObject({
      apiVersion: 'policy.networking.k8s.io/v1alpha2', kind: 'ClusterNetworkPolicy',
      spec: { tier: 'Admin', priority: 10, subject: { namespaces: {} }, egress: [{ action: 'Deny', to: [{ networks: ['169.254.169.254/32'] }], protocols: [{ tcp: { destinationPort: { number: 80 } } }, { tcp: { destinationPort: { range: { start: 8000, end: 8080 } } } }] }] },
    });
    expect(() => new ClusterPolicy(policyChart(PolicyTarget.CALICO), 'dns', { clusterNetworkPolicy: true, egress: [Rule.allow({ peers: [Peer.fqdn('example.com')] })] })).toThrow(/only in its experimental channel/);
  });

  test('the analyzer reads the Amazon EKS ClusterNetworkPolicy: the Admin deny wins over a namespace allow', () => {
    const chart = policyChart(PolicyTarget.VPC_CNI);
    const ns = new ZeroTrustNamespace(chart, 'app');
    ns.allowInternetEgress(ns.pods({ app: 'web' }), { excludeCidrs: [] });
    ns.allow(ns.pods({ app: 'web' }), Peer.ipBlock('169.254.169.254/32'), [Port.tcp(80)], { name: 'web-to-imds' });
    new ClusterPolicy(chart, 'deny-imds', { egress: [Rule.deny({ peers: [Peer.ipBlock('169.254.169.254/32')] })] });
    const net = Connectivity.of([chart], [deployment('app', 'web'), KUBE_DNS]);
    net.assertDenied('app/web', '169.254.169.254', '80/TCP');
    net.assertAllowed('app/web', '192.0.2.10', '443/TCP');
  });
});
