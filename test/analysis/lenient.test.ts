/**
 * Accept what the API server accepts, read it as the engines do, and let a
 * problem cost only its field: shapes from the engines' and the
 * network-policy-api's own examples, with one thing wrong or unusual each.
 */
import * as fc from 'fast-check';
import { Analysis, loadText } from 'eks-zero-trust/analysis';
import { analyze, allowed, deployment, NS } from './helpers';

const base = [NS('a'), NS('b'), deployment('a', 'web', { app: 'web' }, '{ name: http, containerPort: 8080 }'), deployment('a', 'db', { app: 'db' }), deployment('b', 'client', { app: 'client' })];
const anp = (rules: string) => `apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: { name: guard }\nspec:\n  priority: 10\n  subject: { namespaces: { matchLabels: { kubernetes.io/metadata.name: a } } }\n${rules}`;

describe('1. CIDRs with host bits are read masked, with a warning', () => {
  test('an AdminNetworkPolicy networks list with host bits in IPv4 and IPv6', () => {
    const a = analyze(...base, anp('  egress: [{ action: Deny, to: [{ networks: [10.1.2.3/16, ff06::/3] }] }]\n'));
    expect(a.problems.map((p) => `${p.field}: ${p.message}`)).toEqual([
      'spec.egress[0].to[0].networks[0]: "10.1.2.3/16" has host bits set: read as 10.1.0.0/16, the network the engines use',
      'spec.egress[0].to[0].networks[1]: "ff06::/3" has host bits set: read as e000::/3, the network the engines use',
    ]);
    expect(allowed(a, 'a/web', '10.1.200.1')).toBe('nothing');
    expect(allowed(a, 'a/web', '10.2.0.1')).toBe('all');
    expect(allowed(a, 'a/web', 'f000::1')).toBe('nothing');
  });

  test('ipBlock, Calico nets and Cilium CIDRs alike; what the API server rejects stays a problem', () => {
    const cnp = "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: { name: c, namespace: a }\nspec:\n  endpointSelector: { matchLabels: { app: web } }\n  egress: [{ toCIDR: [192.0.2.77/24] }]\n";
    const c = analyze(...base, cnp);
    expect(c.problems[0]).toMatchObject({ field: 'spec.egress[0].toCIDR[0]' });
    expect(allowed(c, 'a/web', '192.0.2.1')).toBe('all');
    const bad = analyze(...base, 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: p, namespace: a }\nspec:\n  podSelector: {}\n  ingress: [{ from: [{ ipBlock: { cidr: 10.0.0.0/33 } }] }]\n');
    expect(bad.problems[0].message).toContain('invalid prefix length');
  });
});

describe('2. IPv4 and IPv6 in one list', () => {
  test('a mixed list keeps both; an unreadable part costs only itself', () => {
    const a = analyze(...base, anp('  egress: [{ action: Deny, to: [{ networks: [203.0.113.0/24, "2001:db8::/32", "fe80::1%eth0/64"] }] }]\n'));
    expect(a.problems).toEqual([expect.objectContaining({ field: 'spec.egress[0].to[0].networks[2]', message: expect.stringContaining('this block is left out, the rest of the list keeps its meaning') })]);
    expect(allowed(a, 'a/web', '203.0.113.5')).toBe('nothing');
    expect(allowed(a, 'a/web', '2001:db8::5')).toBe('nothing');
    expect(allowed(a, 'a/web', '198.51.100.5')).toBe('all');
  });
});

describe('3. peers that cannot be evaluated offline match nothing, with a warning; the rule stays', () => {
  test('ANP nodes next to pods; a named port no container declares', () => {
    const a = analyze(...base, anp("  egress:\n    - action: Deny\n      to: [{ nodes: { matchLabels: { role: x } } }, { namespaces: { matchLabels: { kubernetes.io/metadata.name: b } } }]\n    - action: Deny\n      to: [{ namespaces: {} }]\n      ports: [{ namedPort: grpc }]\n"));
    expect(a.problems.map((p) => p.field)).toEqual(['spec.egress[0].to[0].nodes', 'spec.egress[1]']);
    expect(a.problems[1].message).toContain('names port "grpc", which no container of the input declares');
    expect(allowed(a, 'a/web', 'b/client')).toBe('nothing');
    expect(allowed(a, 'a/web', 'a/db')).toBe('all');
  });

  test('Cilium fromNodes', () => {
    const a = analyze(...base, "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: { name: c, namespace: a }\nspec:\n  endpointSelector: { matchLabels: { app: db } }\n  ingress: [{ fromNodes: [{ matchLabels: { role: x } }] }, { fromEndpoints: [{ matchLabels: { app: web } }] }]\n");
    expect(a.problems).toEqual([expect.objectContaining({ field: 'spec.ingress[0].fromNodes', message: expect.stringContaining('matches nothing here') })]);
    expect(allowed(a, 'a/web', 'a/db')).toBe('all');
  });
});

test('4. hostNetwork pods are not pod workloads', () => {
  const host = 'apiVersion: apps/v1\nkind: DaemonSet\nmetadata: { name: node-agent, namespace: a }\nspec: { template: { metadata: { labels: { app: agent } }, spec: { hostNetwork: true, containers: [{ name: c }] } } }\n';
  const a = analyze(...base, host);
  expect(a.workload('a/node-agent')).toBeUndefined();
  expect(a.hostNetworkWorkloads).toEqual(['a/node-agent']);
});

describe('5. a problem costs only its field', () => {
  test.each([
    ['Kubernetes', 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: p, namespace: a }\nspec:\n  podSelector: { matchLabels: { app: db } }\n  ingress: [{ ports: [{ port: 99999 }] }, { from: [{ podSelector: { matchLabels: { app: web } } }] }]\n', 'spec.ingress[0].ports[0].port'],
    ['Calico', "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: { name: p, namespace: a }\nspec:\n  selector: app == 'db'\n  ingress: [{ action: Permit }, { action: Allow, source: { selector: app == 'web' } }]\n", 'spec.ingress[0].action'],
    ['Cilium', "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: { name: p, namespace: a }\nspec:\n  endpointSelector: { matchLabels: { app: db } }\n  ingress: [{ fromEntities: [galaxy] }, { fromEndpoints: [{ matchLabels: { app: web } }] }]\n", 'spec.ingress[0].fromEntities[0]'],
    ['admin', anp("  ingress: [{ action: Allow, from: [{ pods: { podSelector: { matchLabels: { app: web } } } }], ports: [{ portNumber: { port: 0 } }] }, { action: Deny, from: [{ namespaces: {} }] }]\n"), 'spec.ingress[0].ports[0].portNumber.port'],
  ])('%s: the bad rule is left out, the policy stays in force', (_, policy, field) => {
    const a = analyze(...base, policy);
    expect(a.problems).toContainEqual(expect.objectContaining({ field, message: expect.stringContaining('is left out (the rest of the policy is read)') }));
    expect(a.policies).toHaveLength(1);
    expect(allowed(a, 'b/client', 'a/db')).toBe('nothing');
  });

  test('property: one bad field in a valid policy changes no verdict outside its rule', () => {
    const ports = fc.constantFrom('80', '443', '5432', 'http');
    const rule = fc.record({ from: fc.constantFrom('web', 'client', 'db'), port: ports });
    fc.assert(fc.property(fc.array(rule, { minLength: 2, maxLength: 4 }), fc.nat(), (rules, pick) => {
      const k = pick % rules.length;
      const text = (rs: { from: string; port: string }[], bad?: number) => `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: p, namespace: a }\nspec:\n  podSelector: {}\n  ingress:\n${rs.map((r, i) => `    - from: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: ${r.from} } } }]\n      ports: [{ port: ${i === bad ? 70000 : r.port} }]\n`).join('')}`;
      const broken = Analysis.of(loadText([...base, text(rules, k)].join('---\n'), 'f'));
      const without = Analysis.of(loadText([...base, text(rules.filter((_, i) => i !== k))].join('---\n'), 'f'));
      expect(broken.toJsonText()).toBe(without.toJsonText());
    }), { numRuns: 60 });
  });
});
