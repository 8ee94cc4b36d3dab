/**
 * Cilium rule semantics as the agent computes them (sources cited in
 * lib/analysis/policies/cilium.ts): pkg/policy/utils/parserules.go (default
 * deny per rule, empty peer lists), pkg/k8s/apis/cilium.io/utils/utils.go
 * (namespace scoping of endpoint selectors), pkg/policy/types/policyentry.go.
 */
import { analyze, allowed, deployment, NS } from './helpers';

const base = [NS('a', { team: 'x' }), NS('b', { team: 'y' }), deployment('a', 'web', { app: 'web' }), deployment('a', 'db', { app: 'db' }), deployment('b', 'client', { app: 'client' })];
const cnp = (spec: string, ns = 'a') => `apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: { name: p, namespace: ${ns} }\nspec:\n  endpointSelector: { matchLabels: { app: db } }\n${spec}`;

describe('default deny', () => {
  test('a policy with only deny rules isolates the direction it denies in', () => {
    const a = analyze(...base, cnp("  ingressDeny: [{ fromEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': b } }] }]\n"));
    expect(allowed(a, 'b/client', 'a/db')).toBe('nothing');
    expect(allowed(a, 'a/web', 'a/db')).toBe('nothing');
    expect(allowed(a, 'a/db', 'a/web')).toBe('all');
  });

  test('enableDefaultDeny false keeps the direction open but for what is denied', () => {
    const a = analyze(...base, cnp("  enableDefaultDeny: { ingress: false }\n  ingressDeny: [{ fromEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': b } }] }]\n"));
    expect(allowed(a, 'b/client', 'a/db')).toBe('nothing');
    expect(allowed(a, 'a/web', 'a/db')).toBe('all');
  });

  test('a direction given as an empty list isolates nothing', () => {
    const a = analyze(...base, cnp('  ingress: []\n  egress: [{ toEndpoints: [{ matchLabels: { app: web } }] }]\n'));
    expect(allowed(a, 'b/client', 'a/db')).toBe('all');
    expect(allowed(a, 'a/db', 'b/client')).toBe('nothing');
    expect(allowed(a, 'a/db', 'a/web')).toBe('all');
  });
});

describe('namespaces in endpoint selectors', () => {
  test('a namespace label in fromEndpoints lifts the policy\'s namespace scope', () => {
    const a = analyze(...base, cnp("  ingress: [{ fromEndpoints: [{ matchLabels: { 'k8s:io.cilium.k8s.namespace.labels.team': y } }] }]\n"));
    expect(allowed(a, 'b/client', 'a/db')).toBe('all');
    expect(allowed(a, 'a/web', 'a/db')).toBe('nothing');
  });

  test('the pod namespace and namespace labels combine', () => {
    const a = analyze(...base, deployment('b', 'web', { app: 'web' }),
      cnp("  ingress: [{ fromEndpoints: [{ matchLabels: { io.kubernetes.pod.namespace: b, io.cilium.k8s.namespace.labels.team: y, app: web } }] }]\n"));
    expect(allowed(a, 'b/web', 'a/db')).toBe('all');
    expect(allowed(a, 'b/client', 'a/db')).toBe('nothing');
    expect(allowed(a, 'a/web', 'a/db')).toBe('nothing');
  });

  test('matchExpressions on namespace labels count too', () => {
    const a = analyze(...base, cnp("  ingress: [{ fromEndpoints: [{ matchExpressions: [{ key: 'k8s:io.cilium.k8s.namespace.labels.team', operator: In, values: [y] }] }] }]\n"));
    expect(allowed(a, 'b/client', 'a/db')).toBe('all');
  });

  test('a clusterwide policy\'s endpoint selector spans namespaces', () => {
    const ccnp = "apiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\nmetadata: { name: c }\nspec:\n  endpointSelector: { matchLabels: { app: db } }\n  ingress: [{ fromEndpoints: [{ matchLabels: { app: client } }] }]\n";
    const a = analyze(...base, ccnp);
    expect(allowed(a, 'b/client', 'a/db')).toBe('all');
    expect(allowed(a, 'a/web', 'a/db')).toBe('nothing');
  });
});

describe('protocols are what the rule says', () => {
  const web = "fromEndpoints: [{ matchLabels: { app: web } }]";
  test('a rule with only icmps opens no TCP, UDP or SCTP port', () => {
    expect(allowed(analyze(...base, cnp(`  ingress: [{ ${web}, icmps: [{ fields: [{ type: 8, family: IPv4 }] }] }]\n`)), 'a/web', 'a/db')).toBe('nothing');
    expect(allowed(analyze(...base, cnp('  ingress: [{ icmps: [{ fields: [{ type: 8 }] }] }]\n')), 'b/client', 'a/db')).toBe('nothing');
  });

  test('VRRP and IGMP entries open no port; ANY opens every protocol', () => {
    expect(allowed(analyze(...base, cnp(`  ingress: [{ ${web}, toPorts: [{ ports: [{ port: '0', protocol: VRRP }] }] }]\n`)), 'a/web', 'a/db')).toBe('nothing');
    expect(allowed(analyze(...base, cnp(`  ingress: [{ ${web}, toPorts: [{ ports: [{ port: '53', protocol: ANY }] }] }]\n`)), 'a/web', 'a/db')).toBe('TCP 53; UDP 53; SCTP 53');
    expect(allowed(analyze(...base, cnp(`  ingress: [{ ${web}, toPorts: [{ ports: [{ port: '53', protocol: IGMP }, { port: '53', protocol: UDP }] }] }]\n`)), 'a/web', 'a/db')).toBe('UDP 53');
  });

  test('icmps next to toPorts add no TCP or UDP port', () => {
    const a = analyze(...base, cnp(`  ingress: [{ ${web}, toPorts: [{ ports: [{ port: '80', protocol: TCP }] }], icmps: [{ fields: [{ type: 8 }] }] }]\n`));
    expect(allowed(a, 'a/web', 'a/db')).toBe('TCP 80');
  });
});
