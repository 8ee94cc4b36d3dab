import { Analysis, fromObjects, lint } from 'eks-zero-trust/analysis';
import { KubeObject } from 'eks-zero-trust';

function findings(objects: object[], engine?: string): { id: string; severity: string; message: string }[] {
  return lint(Analysis.of(fromObjects(objects as KubeObject[], '<test>')), { engine }).filter((f) => f.id === 'EZT011' || f.id === 'EZT012');
}

const anp = { apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'AdminNetworkPolicy', metadata: { name: 'a' }, spec: { priority: 10, subject: { namespaces: {} }, egress: [{ action: 'Deny', to: [{ networks: ['169.254.169.254/32'] }] }] } };
const upstreamCnp = { apiVersion: 'policy.networking.k8s.io/v1alpha2', kind: 'ClusterNetworkPolicy', metadata: { name: 'c' }, spec: { tier: 'Admin', priority: 10, subject: { namespaces: {} }, egress: [{ action: 'Deny', to: [{ networks: ['169.254.169.254/32'] }] }] } };
const amazonCnp = (domain: string) => ({ apiVersion: 'networking.k8s.aws/v1alpha1', kind: 'ClusterNetworkPolicy', metadata: { name: 'aws' }, spec: { tier: 'Admin', priority: 10, subject: { namespaces: {} }, egress: [{ action: 'Accept', to: [{ domainNames: [domain] }] }] } });
const ciliumFqdn = (pattern: string) => ({ apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'f', namespace: 'app' }, spec: { endpointSelector: {}, egress: [{ toFQDNs: [{ matchPattern: pattern }], toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] }] } });

describe('EZT011 admin-policy-not-enforced', () => {
  test('an AdminNetworkPolicy for Calico 3.32 is an error', () => {
    expect(findings([anp], 'calico')).toEqual([expect.objectContaining({ id: 'EZT011', severity: 'error', message: expect.stringContaining('Calico 3.32 no longer enforces') })]);
  });
  test('a ClusterNetworkPolicy for Calico is fine', () => {
    expect(findings([upstreamCnp], 'calico')).toEqual([]);
  });
  test('a ClusterNetworkPolicy for Cilium warns about the 1.20 opt-in', () => {
    expect(findings([upstreamCnp], 'cilium')).toEqual([expect.objectContaining({ id: 'EZT011', severity: 'warning', message: expect.stringContaining('k8sClusterNetworkPolicy.enabled') })]);
  });
  test('an upstream kind for the VPC CNI is an error; the Amazon kind is fine', () => {
    expect(findings([upstreamCnp], 'vpc-cni').map((f) => f.severity)).toEqual(['error']);
    expect(findings([amazonCnp('api.example.com')], 'vpc-cni')).toEqual([]);
  });
  test('without an engine nothing is said', () => {
    expect(findings([anp, upstreamCnp])).toEqual([]);
  });
});

describe('EZT012 wildcard-domain-depth', () => {
  test('"*." in a ClusterNetworkPolicy matches any depth: a note says Cilium differs', () => {
    expect(findings([amazonCnp('*.s3.amazonaws.com')])).toEqual([expect.objectContaining({ id: 'EZT012', severity: 'note', message: expect.stringContaining('subdomains of any depth') })]);
  });
  test('"*." in Cilium matches one label: a note says so', () => {
    expect(findings([ciliumFqdn('*.s3.amazonaws.com')])).toEqual([expect.objectContaining({ id: 'EZT012', message: expect.stringContaining('one label only (a.s3.amazonaws.com, not a.b.s3.amazonaws.com)') })]);
  });
  test('exact names say nothing', () => {
    expect(findings([amazonCnp('api.example.com'), ciliumFqdn('api.example.com')])).toEqual([]);
  });
});
