import { explain } from 'eks-zero-trust/analysis';
import { analyze, allowed, deployment, NS } from './helpers';

const base = [NS('a'), NS('b'), deployment('a', 'web', { app: 'web' }), deployment('a', 'db', { app: 'db' }), deployment('b', 'client', { app: 'client' })];
const tier = (name: string, order: number, defaultAction = 'Deny') => `apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: { name: ${name} }\nspec: { order: ${order}, defaultAction: ${defaultAction} }\n`;
const gnp = (name: string, spec: string) => `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: { name: ${name} }\nspec:\n${spec}`;

describe('Calico tiers and actions', () => {
  test('a Deny in a higher tier wins over an Allow below', () => {
    const a = analyze(...base, tier('security', 100),
      gnp('security.no-db', "  tier: security\n  selector: app == 'db'\n  types: [Ingress]\n  ingress: [{ action: Deny, source: { namespaceSelector: \"kubernetes.io/metadata.name == 'b'\" } }, { action: Pass }]\n"),
      "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: { name: allow, namespace: a }\nspec:\n  selector: app == 'db'\n  ingress: [{ action: Allow }]\n");
    expect(allowed(a, 'b/client', 'a/db')).toBe('nothing');
    expect(allowed(a, 'a/web', 'a/db')).toBe('all');
  });

  test('a tier with defaultAction Deny drops what its policies select but do not decide', () => {
    const a = analyze(...base, tier('security', 100), gnp('security.web', "  tier: security\n  selector: app == 'db'\n  ingress: [{ action: Allow, protocol: TCP, destination: { ports: [5432] } }]\n"));
    expect(allowed(a, 'a/web', 'a/db')).toBe('TCP 5432');
  });

  test('Pass hands the rest to the next tier; order decides within a tier; Log does not decide', () => {
    const a = analyze(...base, tier('platform', 200),
      gnp('platform.second', "  tier: platform\n  order: 20\n  selector: app == 'db'\n  ingress: [{ action: Deny }]\n"),
      gnp('platform.first', "  tier: platform\n  order: 10\n  selector: app == 'db'\n  ingress: [{ action: Log }, { action: Pass, protocol: TCP, destination: { ports: ['5000:6000'] } }]\n"));
    expect(allowed(a, 'a/web', 'a/db')).toBe('TCP 5000-6000');
    const text = explain(a, a.workload('a/web')!, a.workload('a/db')!, 5432, 'TCP').text;
    expect(text).toContain('Log   by GlobalNetworkPolicy platform.first spec.ingress[0] (tier platform)');
    expect(text).toContain('Pass  by GlobalNetworkPolicy platform.first spec.ingress[1] (tier platform)');
  });

  test('staged policies are reported apart, and enforced with stagedAsEnforced', () => {
    const staged = "apiVersion: projectcalico.org/v3\nkind: StagedNetworkPolicy\nmetadata: { name: deny, namespace: a }\nspec:\n  stagedAction: Set\n  selector: all()\n  types: [Ingress]\n";
    expect(allowed(analyze(...base, staged), 'b/client', 'a/db')).toBe('all');
    expect(analyze(...base, staged).stagedPolicies).toHaveLength(1);
    const { Analysis, loadText } = jest.requireActual('eks-zero-trust/analysis');
    const enforced = Analysis.of(loadText([...base, staged].join('\n---\n'), 'x'), { stagedAsEnforced: true });
    expect(allowed(enforced, 'b/client', 'a/db')).toBe('nothing');
  });

  test('a selector matches the addresses of a labelled GlobalNetworkSet, also where policies split them', () => {
    const set = 'apiVersion: projectcalico.org/v3\nkind: GlobalNetworkSet\nmetadata: { name: partners, labels: { role: partner } }\nspec: { nets: [198.51.100.0/24] }\n';
    const a = analyze(...base, set,
      "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: { name: p, namespace: a }\nspec:\n  selector: app == 'web'\n  types: [Egress]\n  egress: [{ action: Allow, destination: { selector: role == 'partner', namespaceSelector: global() } }, { action: Deny, destination: { nets: [198.51.100.128/25] } }]\n");
    expect(allowed(a, 'a/web', '198.51.100.7')).toBe('all');
    expect(allowed(a, 'a/web', '198.51.100.200')).toBe('all');
    expect(allowed(a, 'a/web', '203.0.113.1')).toBe('nothing');
  });

  test('selectors see Calico\'s own labels: namespace, service account, namespace name', () => {
    const a = analyze(...base,
      gnp('from-ns-b', "  selector: projectcalico.org/namespace == 'a' && app == 'db'\n  types: [Ingress]\n  ingress: [{ action: Allow, source: { namespaceSelector: projectcalico.org/name == 'b' } }]\n"),
      gnp('web-by-account', "  selector: projectcalico.org/serviceaccount == 'default' && app == 'web'\n  types: [Ingress]\n  ingress: [{ action: Allow, protocol: TCP, destination: { ports: [80] } }]\n"),
      gnp('plain-labels', "  selector: has(app) && app == 'client'\n  types: [Ingress]\n  ingress: [{ action: Allow, source: { selector: projectcalico.org/orchestrator == 'k8s' && app == 'web' } }]\n"));
    expect(allowed(a, 'b/client', 'a/db')).toBe('all');
    expect(allowed(a, 'a/web', 'a/db')).toBe('nothing');
    expect(allowed(a, 'b/client', 'a/web')).toBe('TCP 80');
    expect(allowed(a, 'a/web', 'b/client')).toBe('all');
    expect(allowed(a, 'a/db', 'b/client')).toBe('nothing');
  });

  test('a tiered policy without the tier prefix in its name is reported', () => {
    const a = analyze(...base, tier('security', 100), gnp('no-prefix', '  tier: security\n  selector: all()\n  ingress: [{ action: Pass }]\n'));
    expect(a.problems[0].message).toContain('should be "security.<name>"');
  });
});

describe('Cilium', () => {
  const cnp = (name: string, spec: string) => `apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: { name: ${name}, namespace: a }\nspec:\n${spec}`;
  test('deny rules take precedence over allows of any policy', () => {
    const a = analyze(...base,
      cnp('allow', '  endpointSelector: { matchLabels: { app: db } }\n  ingress: [{ fromEntities: [all] }]\n'),
      cnp('deny', "  endpointSelector: { matchLabels: { app: db } }\n  ingressDeny: [{ fromEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': b } }] }]\n"));
    expect(allowed(a, 'b/client', 'a/db')).toBe('nothing');
    expect(allowed(a, 'a/web', 'a/db')).toBe('all');
  });

  test('fromEndpoints in a namespaced policy means the policy\'s namespace unless it names one', () => {
    const a = analyze(...base, deployment('b', 'web', { app: 'web' }), cnp('p', '  endpointSelector: { matchLabels: { app: db } }\n  ingress: [{ fromEndpoints: [{ matchLabels: { app: web } }] }]\n'));
    expect(allowed(a, 'a/web', 'a/db')).toBe('all');
    expect(allowed(a, 'b/web', 'a/db')).toBe('nothing');
  });

  test('a rule without peers ({}) allows every peer; the none entity or an empty peer list allows nothing; L7 rules restrict an allowed connection', () => {
    const web80 = "{ fromEndpoints: [{ matchLabels: { app: web } }], toPorts: [{ ports: [{ port: '80', protocol: TCP }], rules: { http: [{ method: GET, path: /health }] } }] }";
    expect(allowed(analyze(...base, cnp('p', `  endpointSelector: {}\n  ingress: [{}, ${web80}]\n`)), 'b/client', 'a/db')).toBe('all');
    expect(allowed(analyze(...base, cnp('p', `  endpointSelector: {}\n  ingress: [{ fromEndpoints: [] }, ${web80}]\n`)), 'b/client', 'a/db')).toBe('nothing');
    const a = analyze(...base, cnp('p', `  endpointSelector: {}\n  ingress: [{ fromEntities: [none] }, ${web80}]\n`));
    expect(allowed(a, 'b/client', 'a/db')).toBe('nothing');
    const text = explain(a, a.workload('a/web')!, a.workload('a/db')!, 80, 'TCP').text;
    expect(text).toContain('ALLOWED');
    expect(text).toContain('L7 restriction on the allowed connection: http GET /health');
  });
});

describe('AdminNetworkPolicy and BaselineAdminNetworkPolicy', () => {
  test('ANP Deny beats a NetworkPolicy allow; Pass defers; BANP applies only where no policy decided', () => {
    const anp = 'apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: { name: guard }\nspec:\n  priority: 10\n  subject: { namespaces: { matchLabels: { kubernetes.io/metadata.name: a } } }\n  ingress:\n    - { action: Deny, from: [{ namespaces: { matchLabels: { kubernetes.io/metadata.name: b } } }] }\n';
    const banp = 'apiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata: { name: default }\nspec:\n  subject: { namespaces: {} }\n  egress:\n    - { action: Deny, to: [{ networks: [0.0.0.0/0] }] }\n';
    const a = analyze(...base, anp, banp, 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: all, namespace: a }\nspec: { podSelector: {}, ingress: [{}] }\n');
    expect(allowed(a, 'b/client', 'a/db')).toBe('nothing');
    expect(allowed(a, 'a/web', 'a/db')).toBe('all');
    expect(allowed(a, 'a/web', '8.8.8.8')).toBe('nothing');
  });
});
