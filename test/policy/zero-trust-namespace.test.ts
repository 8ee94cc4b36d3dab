import { LabelSelector, Peer, PolicyTarget, Port, Protocol, Rule, NamespacePolicy, ZeroTrustError, ZeroTrustNamespace, ClusterPolicy, PolicyTier, TierAccess, TierDefaultAction } from 'eks-zero-trust';
import { objectNamed, policyChart } from './fixtures';

describe('ZeroTrustNamespace', () => {
  test('creates the namespace, a DNS allowance and a default deny, the deny last', () => {
    // GIVEN
    const chart = policyChart();
    // WHEN
    new ZeroTrustNamespace(chart, 'shop');
    // THEN
    const kinds = chart.toJson().map((o: { kind: string; metadata: { name: string } }) => `${o.kind}/${o.metadata.name}`);
    expect(kinds).toEqual(['Namespace/shop', 'NetworkPolicy/allow-dns', 'NetworkPolicy/default-deny']);
    expect(objectNamed(chart, 'default-deny').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  });

  test('allows DNS to kube-dns pods in kube-system on UDP and TCP 53', () => {
    const chart = policyChart();
    new ZeroTrustNamespace(chart, 'shop');
    expect(objectNamed(chart, 'allow-dns').spec).toEqual({
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
      }],
    });
  });

  test('allow() creates the egress policy of the sender and the ingress policy of the receiver', () => {
    const chart = policyChart();
    const ns = new ZeroTrustNamespace(chart, 'shop');
    ns.allow(ns.pods({ app: 'web' }), ns.pods({ app: 'db' }), [Port.tcp(5432)]);
    expect(objectNamed(chart, 'egress-web-to-db').spec).toEqual({
      podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Egress'],
      egress: [{ to: [{ podSelector: { matchLabels: { app: 'db' } } }], ports: [{ protocol: 'TCP', port: 5432 }] }],
    });
    expect(objectNamed(chart, 'ingress-web-to-db').spec).toEqual({
      podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ protocol: 'TCP', port: 5432 }] }],
    });
  });

  test('a flow to another zero-trust namespace adds the ingress policy there', () => {
    const chart = policyChart();
    const a = new ZeroTrustNamespace(chart, 'a');
    const b = new ZeroTrustNamespace(chart, 'b');
    a.allow(a.pods({ app: 'web' }), b.pods({ app: 'api' }), [Port.tcp(80)]);
    const ingress = chart.toJson().find((o: { metadata: { name: string; namespace: string } }) => o.metadata.namespace === 'b' && o.metadata.name.startsWith('ingress-'));
    expect(ingress.spec.ingress[0].from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'a' } }, podSelector: { matchLabels: { app: 'web' } } }]);
  });

  test('internet egress excludes RFC 1918 (172.16.0.0/12, not /20), 100.64.0.0/10, link-local and IPv6 private ranges', () => {
    const chart = policyChart();
    const ns = new ZeroTrustNamespace(chart, 'shop');
    ns.allowInternetEgress(ns.pods({ app: 'web' }));
    expect(objectNamed(chart, 'web-to-internet').spec.egress[0].to).toEqual([
      { ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16'] } },
      { ipBlock: { cidr: '::/0', except: ['fc00::/7', 'fe80::/10'] } },
    ]);
  });

  test('staged namespaces on Calico emit StagedNetworkPolicy in their tier with tier-prefixed names', () => {
    const chart = policyChart(PolicyTarget.CALICO);
    new ZeroTrustNamespace(chart, 'pay', { staged: true, tier: 'payments' });
    const deny = objectNamed(chart, 'payments.default-deny');
    expect(deny.kind).toBe('StagedNetworkPolicy');
    expect(deny.spec).toMatchObject({ tier: 'payments', stagedAction: 'Set', selector: 'all()' });
  });

  test('staged on Calico with the Kubernetes dialect emits StagedKubernetesNetworkPolicy', () => {
    const chart = policyChart(PolicyTarget.CALICO_PORTABLE);
    new ZeroTrustNamespace(chart, 'pay', { staged: true });
    expect(objectNamed(chart, 'default-deny')).toMatchObject({ apiVersion: 'projectcalico.org/v3', kind: 'StagedKubernetesNetworkPolicy', spec: { stagedAction: 'Set' } });
  });

  test('staged on Cilium warns that audit mode is an engine setting', () => {
    const chart = policyChart(PolicyTarget.CILIUM);
    new ZeroTrustNamespace(chart, 'pay', { staged: true });
    const warnings = chart.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === 'eks-zero-trust:warning').map((m) => (m.data as { id: string }).id));
    expect(warnings).toContain('eks-zero-trust:cilium-staged');
  });

  test('Cilium L7 rules land on the receiver with the HTTP match', () => {
    const chart = policyChart(PolicyTarget.CILIUM);
    const ns = new ZeroTrustNamespace(chart, 'app');
    ns.allow(ns.pods({ app: 'frontend' }), ns.pods({ app: 'backend' }), [Port.tcp(80)], { http: [{ method: 'GET', path: '/health' }] });
    expect(objectNamed(chart, 'ingress-frontend-to-backend').spec.ingress).toEqual([{
      fromEndpoints: [{ matchLabels: { app: 'frontend' } }],
      toPorts: [{ ports: [{ port: '80', protocol: 'TCP' }], rules: { http: [{ method: 'GET', path: '/health' }] } }],
    }]);
  });
});

describe('bad input fails at synth with path, value and fix', () => {
  test('an HTTP rule on the VPC CNI names the engines that can enforce it', () => {
    const chart = policyChart(PolicyTarget.VPC_CNI);
    const ns = new ZeroTrustNamespace(chart, 'app');
    expect(() => ns.allow(ns.pods({ app: 'a' }), ns.pods({ app: 'b' }), [Port.tcp(80)], { http: [{ method: 'GET' }] }))
      .toThrow(/test\/app\/ingress-a-to-b\/Resource: ingress\[0\] http .* needs L7 HTTP rules, which Amazon VPC CNI network policy cannot enforce .* Fix: remove it, or run an engine that can: Cilium \(ENI mode\)/);
  });

  test('a CIDR with host bits suggests the network address', () => {
    const chart = policyChart();
    const ns = new ZeroTrustNamespace(chart, 'app');
    expect(() => ns.allow(ns.pods({ app: 'a' }), Peer.ipBlock('10.0.0.1/8'), [Port.tcp(443)])).toThrow('test/app/egress-a-to-10-0-0-1-8/Resource: egress[0] peer 0 CIDR "10.0.0.1/8" has host bits set. Fix: write 10.0.0.0/8');
  });

  test.each([
    [Port.tcp(70000), 'is out of range 1-65535'],
    [Port.range(Protocol.TCP, 9000, 8000), 'ends before it starts'],
    [Port.named('Not_A_Name'), 'so it cannot name a container port'],
  ])('port %o is refused', (port, message) => {
    const chart = policyChart();
    const ns = new ZeroTrustNamespace(chart, 'app');
    expect(() => ns.allow(ns.pods({ app: 'a' }), ns.pods({ app: 'b' }), [port])).toThrow(message);
  });

  test('an invalid label value is refused with the key named', () => {
    const chart = policyChart();
    const ns = new ZeroTrustNamespace(chart, 'app');
    expect(() => ns.allow(ns.pods({ app: 'a b' }), ns.pods({ app: 'b' }), [Port.tcp(1)])).toThrow(/appliesTo label "app" "a b" is not a valid label value/);
  });

  test('an empty pod selector in a peer is refused unless all() is said', () => {
    const chart = policyChart();
    expect(() => new NamespacePolicy(chart, 'p', { namespace: 'x', ingress: [Rule.allow({ peers: [Peer.pods({})] })] })).toThrow(/is empty, so it matches every pod/);
    expect(() => new NamespacePolicy(chart, 'q', { namespace: 'x', ingress: [Rule.allow({ peers: [Peer.podsMatching(LabelSelector.all())] })] })).not.toThrow();
  });

  test('a duplicate rule is refused', () => {
    const chart = policyChart();
    const rule = () => Rule.allow({ peers: [Peer.pods({ app: 'a' })], ports: [Port.tcp(80)] });
    expect(() => new NamespacePolicy(chart, 'p', { namespace: 'x', ingress: [rule(), rule()] })).toThrow('repeats ingress[0]');
  });

  test('the seed 003 RabbitMQ policy cannot list a port twice in one rule', () => {
    const chart = policyChart();
    expect(() => new NamespacePolicy(chart, 'rabbitmq', { namespace: 'x', ingress: [Rule.allow({ peers: [Peer.pods({ app: 'cloudify-manager' })], ports: [Port.tcp(5671), Port.tcp(5671)] })] })).toThrow('is listed twice in the same rule');
  });

  test('deny on Kubernetes NetworkPolicy is refused', () => {
    const chart = policyChart();
    const ns = new ZeroTrustNamespace(chart, 'app');
    expect(() => ns.deny(ns.pods({ app: 'a' }), ns.pods({ app: 'b' }), [Port.tcp(80)])).toThrow(/needs Deny rules.*run an engine that can: Calico, Cilium \(ENI mode\), Cilium \(aws-cni chaining mode\)/);
  });

  test('the same flow allowed twice is refused with the fix', () => {
    const chart = policyChart();
    const ns = new ZeroTrustNamespace(chart, 'app');
    ns.allow(ns.pods({ app: 'a' }), ns.pods({ app: 'b' }), [Port.tcp(1)]);
    expect(() => ns.allow(ns.pods({ app: 'a' }), ns.pods({ app: 'b' }), [Port.tcp(2)])).toThrow('test/app: policy name "egress-a-to-b" is used twice: the same flow was allowed twice, or two flows derive the same name. Fix: allow each flow once with all its ports, or give one of them { name: ... }');
  });

  test('the same namespace managed twice is refused', () => {
    const chart = policyChart();
    new ZeroTrustNamespace(chart, 'app');
    expect(() => new ZeroTrustNamespace(chart, 'app2', { name: 'app' })).toThrow('is already managed by test/app');
  });

  test('errors are ZeroTrustError', () => {
    const chart = policyChart();
    expect(() => new ZeroTrustNamespace(chart, 'Bad_Name')).toThrow(ZeroTrustError);
  });
});

describe('Calico guardrails', () => {
  test('a Pass tier and a guardrail with Log and Deny: no catch-all Pass, the tier passes the rest', () => {
    const chart = policyChart(PolicyTarget.CALICO);
    const tier = new PolicyTier(chart, 'security', { order: 100, defaultAction: TierDefaultAction.PASS });
    new ClusterPolicy(chart, 'block-imds', { tier: tier.name, order: 10, egress: [Rule.log({ peers: [Peer.ipBlock('169.254.169.254/32')] }), Rule.deny({ peers: [Peer.ipBlock('169.254.169.254/32')] })] });
    expect(objectNamed(chart, 'security')).toMatchObject({ kind: 'Tier', spec: { order: 100, defaultAction: 'Pass' } });
    expect(objectNamed(chart, 'security.block-imds')).toEqual(expect.objectContaining({
      kind: 'GlobalNetworkPolicy',
      spec: { tier: 'security', order: 10, selector: 'all()', types: ['Egress'], egress: [
        { action: 'Log', destination: { nets: ['169.254.169.254/32'] } },
        { action: 'Deny', destination: { nets: ['169.254.169.254/32'] } },
      ] },
    }));
  });

  test('reserved tier names are refused', () => {
    expect(() => new PolicyTier(policyChart(PolicyTarget.CALICO), 'default', { order: 1 })).toThrow('is a tier Calico creates and manages itself');
  });

  test('tier RBAC grants tier-scoped policy rights per namespace', () => {
    const chart = policyChart(PolicyTarget.CALICO);
    const tier = new PolicyTier(chart, 'team', { order: 300 });
    new TierAccess(chart, 'devs', { tier, namespaces: ['pay'], groups: ['pay-devs'] });
    const objects = chart.toJson() as { kind: string; metadata: { name: string; namespace?: string }; rules?: unknown }[];
    expect(objects.find((o) => o.kind === 'ClusterRole' && o.metadata.name.endsWith('-editor'))?.rules).toEqual([
      { apiGroups: ['projectcalico.org'], resources: ['tier.networkpolicies', 'tier.stagednetworkpolicies'], resourceNames: ['team.*'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
    ]);
    expect(objects.filter((o) => o.kind === 'RoleBinding').map((o) => o.metadata.namespace)).toEqual(['pay']);
  });

  test('Cilium guardrails do not isolate: enableDefaultDeny is off', () => {
    const chart = policyChart(PolicyTarget.CILIUM);
    new ClusterPolicy(chart, 'block-imds', { egress: [Rule.deny({ peers: [Peer.ipBlock('169.254.169.254/32')] })] });
    expect(objectNamed(chart, 'block-imds')).toMatchObject({ kind: 'CiliumClusterwideNetworkPolicy', spec: { enableDefaultDeny: { ingress: false, egress: false }, egressDeny: [{ toCIDRSet: [{ cidr: '169.254.169.254/32' }] }] } });
  });
});
