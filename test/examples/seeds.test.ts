import { App, Chart } from 'cdk8s';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PolicyChart, PolicyTarget, writeGitOps } from 'eks-zero-trust';
import { Analysis, Connectivity, loadFiles } from 'eks-zero-trust/analysis';
import { addCaasTenant, addCaasWorkloads, RABBITMQ_PORTS } from '../../examples/caas-tenants/tenant';
import { addShopPolicies } from '../../examples/cilium-l7/app';
import { addGuardrails } from '../../examples/calico-guardrails/app';
import { addVpcCniGuardrails } from '../../examples/caas-tenants-vpc-cni/app';
import { KUBE_DNS } from '../policy/fixtures';

function caas(target: PolicyTarget): Connectivity {
  const app = new App();
  const policies = new PolicyChart(app, 'tenants', { target });
  const workloads = new Chart(app, 'workloads');
  for (const c of ['a', 'b']) { addCaasTenant(policies, c); addCaasWorkloads(workloads, c); }
  // The seed's second test namespace, without policies.
  const webTest = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'web-test' }, spec: { template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', ports: [{ containerPort: 8080 }] }] } } } };
  return Connectivity.of([policies, workloads], [KUBE_DNS, webTest]);
}

describe.each([['Calico', PolicyTarget.CALICO], ['VPC CNI', PolicyTarget.VPC_CNI], ['Cilium', PolicyTarget.CILIUM]] as const)('seed 003 CaaS tenants on %s', (_, target) => {
  const net = caas(target);
  test('the manager is reachable on 80 and 443 from outside', () => {
    net.assertAllowed('203.0.113.10', 'tenant-a/cloudify-manager', '80/TCP');
    net.assertAllowed('203.0.113.10', 'tenant-a/cloudify-manager', '443/TCP');
    net.assertDenied('203.0.113.10', 'tenant-a/cloudify-manager', '8080/TCP');
  });
  test('the manager reaches postgres on 5432 and rabbitmq on its four ports', () => {
    net.assertAllowed('tenant-a/cloudify-manager', 'tenant-a/postgres', '5432/TCP');
    for (const p of RABBITMQ_PORTS) net.assertAllowed('tenant-a/cloudify-manager', 'tenant-a/rabbitmq', `${p}/TCP`);
  });
  test('postgres and rabbitmq reach nothing but DNS, and nobody else reaches them', () => {
    net.assertDenied('tenant-a/postgres', 'tenant-a/rabbitmq', '5672/TCP');
    net.assertDenied('tenant-a/rabbitmq', 'tenant-a/cloudify-manager', '443/TCP');
    net.assertDenied('tenant-a/web', 'tenant-a/postgres', '5432/TCP');
    net.assertDenied('tenant-a/postgres', '8.8.8.8', '443/TCP');
  });
  test('the manager cannot reach the web pod in its namespace nor in web-test (curl http://web:8080 times out)', () => {
    net.assertDenied('tenant-a/cloudify-manager', 'tenant-a/web', '8080/TCP');
    net.assertDenied('tenant-a/cloudify-manager', 'web-test/web', '8080/TCP');
  });
  test('the manager reaches the internet (curl http://google.com) but no private address', () => {
    net.assertAllowed('tenant-a/cloudify-manager', '142.250.72.14', '80/TCP');
    net.assertDenied('tenant-a/cloudify-manager', '172.31.5.9', '443/TCP');
    net.assertDenied('tenant-a/cloudify-manager', '169.254.169.254', '80/TCP');
  });
  test('no cross-tenant traffic', () => {
    net.assertDenied('tenant-a/cloudify-manager', 'tenant-b/postgres', '5432/TCP');
    net.assertDenied('tenant-b/cloudify-manager', 'tenant-a/rabbitmq', '5671/TCP');
    net.assertDenied('tenant-a/cloudify-manager', 'tenant-b/cloudify-manager', '443/TCP');
  });
  test('DNS works for every pod', () => {
    for (const w of ['cloudify-manager', 'postgres', 'rabbitmq', 'web']) {
      net.assertAllowed(`tenant-a/${w}`, 'kube-system/coredns', '53/UDP');
      net.assertAllowed(`tenant-a/${w}`, 'kube-system/coredns', '53/TCP');
    }
  });
  test('a failed assertion explains the verdict', () => {
    expect(() => net.assertAllowed('tenant-a/postgres', 'tenant-a/rabbitmq', '5672/TCP')).toThrow(/expected tenant-a\/postgres -> tenant-a\/rabbitmq 5672\/TCP to be allowed, but it is denied:\n.*DENIED\n  egress of tenant-a\/postgres: denied/);
  });
});

describe('seed 004 Cilium L7 and DNS-aware egress', () => {
  const app = new App();
  const chart = new PolicyChart(app, 'shop', { target: PolicyTarget.CILIUM });
  addShopPolicies(chart, PolicyTarget.CILIUM);
  const w = new Chart(app, 'w');
  const dep = (name: string) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'app' }, spec: { template: { metadata: { labels: { app: name } }, spec: { containers: [{ name }] } } } });
  const net = Connectivity.of([chart, w], [KUBE_DNS, dep('frontend'), dep('backend'), dep('other')]);
  test('only the frontend reaches the backend, on 80, restricted to GET /health', () => {
    net.assertAllowed('app/frontend', 'app/backend', '80/TCP');
    net.assertDenied('app/other', 'app/backend', '80/TCP');
    const e = net.analysis.verdict(net.analysis.workload('app/frontend')!, net.analysis.workload('app/backend')!);
    expect(e.ingress.steps.flatMap((s) => s.l7)).toEqual(['http GET /health']);
  });
  test('the backend resolves names with kube-dns and reaches no address directly', () => {
    net.assertAllowed('app/backend', 'kube-system/coredns', '53/UDP');
    net.assertDenied('app/backend', '140.82.112.5', '443/TCP');
  });
  test('the rendered egress names the domains', () => {
    const names = (chart.toJson() as { spec?: { egress?: { toFQDNs?: unknown }[] } }[]).flatMap((o) => o.spec?.egress ?? []).flatMap((r) => r.toFQDNs ?? []);
    expect(names).toEqual([{ matchName: 'api.github.com' }, { matchPattern: '*.s3.amazonaws.com' }]);
  });
});

describe('seed 001 Calico guardrails', () => {
  const app = new App();
  const chart = new PolicyChart(app, 'guardrails', { target: PolicyTarget.CALICO });
  addGuardrails(chart);
  const dep = (ns: string, name: string, labels: { [k: string]: string } = {}) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: ns }, spec: { template: { metadata: { labels: { app: name, ...labels } }, spec: { containers: [{ name, ports: [{ containerPort: 8443 }] }] } } } });
  const workloads = [KUBE_DNS, dep('payments', 'checkout'), dep('payments', 'ledger'), dep('shop', 'web'), dep('shop', 'jail', { 'eks-zero-trust.io/quarantine': 'true' }), dep('kube-system', 'aws-node', { 'eks-zero-trust.io/imds-access': 'true' })];
  const net = Connectivity.of([chart], workloads);
  test('no pod reaches the instance metadata service unless labelled for it', () => {
    net.assertDenied('shop/web', '169.254.169.254', '80/TCP');
    net.assertAllowed('kube-system/aws-node', '169.254.169.254', '80/TCP');
  });
  test('quarantined pods talk to nobody, whatever lower tiers allow', () => {
    net.assertDenied('shop/jail', 'kube-system/coredns', '53/UDP');
    net.assertDenied('shop/web', 'shop/jail', '8443/TCP');
  });
  test('the team\'s staged policies do not change connectivity until enforced', () => {
    net.assertAllowed('shop/web', 'payments/ledger', '8443/TCP');
    const enforced = Connectivity.of([chart], workloads, { stagedAsEnforced: true });
    enforced.assertDenied('shop/web', 'payments/ledger', '8443/TCP');
    enforced.assertAllowed('payments/checkout', 'payments/ledger', '8443/TCP');
    enforced.assertAllowed('payments/checkout', 'kube-system/coredns', '53/UDP');
  });
});

describe('seed 001 guardrails: the Baseline ClusterNetworkPolicy', () => {
  const chart = new PolicyChart(new App(), 'guardrails', { target: PolicyTarget.CALICO });
  addGuardrails(chart);
  const ns = (name: string, environment: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { environment } } });
  const dep = (namespace: string, name: string) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace }, spec: { template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, ports: [{ containerPort: 80 }] }] } } } });
  const net = Connectivity.of([chart], [KUBE_DNS, ns('dev', 'dev'), ns('prod', 'prod'), dep('dev', 'tool'), dep('prod', 'api'), dep('prod', 'web')]);
  test('development pods do not reach production ones that no policy decides for', () => {
    net.assertDenied('dev/tool', 'prod/api', '80/TCP');
    net.assertAllowed('prod/web', 'prod/api', '80/TCP');
    net.assertAllowed('prod/api', 'dev/tool', '80/TCP');
  });
});

describe('seed 003 on the VPC CNI: Amazon EKS ClusterNetworkPolicy guardrails', () => {
  const app = new App();
  const policies = new PolicyChart(app, 'tenants', { target: PolicyTarget.VPC_CNI });
  addCaasTenant(policies, 'a');
  addVpcCniGuardrails(policies);
  const other = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'web-test' }, spec: { template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web' }] } } } };
  const workloads = new Chart(app, 'workloads');
  addCaasWorkloads(workloads, 'a');
  const net = Connectivity.of([policies, workloads], [KUBE_DNS, other]);
  test('the Admin guardrail keeps every pod, with or without policies of its own, from the instance metadata service', () => {
    net.assertDenied('web-test/web', '169.254.169.254', '80/TCP');
    net.assertDenied('tenant-a/cloudify-manager', '169.254.169.254', '80/TCP');
    net.assertAllowed('web-test/web', '192.0.2.10', '443/TCP');
  });
  test('namespace policies still decide within the guardrails', () => {
    net.assertAllowed('web-test/web', 'tenant-a/cloudify-manager', '80/TCP');
    net.assertDenied('web-test/web', 'tenant-a/postgres', '5432/TCP');
  });
});

describe('GitOps output', () => {
  test('writes one file per namespace and a kustomization, and the analyzer reads it back', () => {
    const app = new App();
    const chart = new PolicyChart(app, 'tenants', { target: PolicyTarget.CALICO });
    addCaasTenant(chart, 'a');
    addCaasWorkloads(new Chart(app, 'apps'), 'a');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-'));
    const result = writeGitOps(app, dir);
    expect(result.files).toEqual(['namespaces/tenant-a.yaml']);
    expect(fs.readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8')).toContain('resources:\n  - namespaces/tenant-a.yaml');
    const analysis = Analysis.of(loadFiles([dir]));
    expect(analysis.workloads.map((x) => x.id)).toContain('tenant-a/postgres');
    expect(analysis.problems).toEqual([]);
    expect(analysis.toJsonText()).toBe(JSON.stringify(analysis.toJson()));
  });
});
