/** Connectivity inside `cdk synth`: the policy-validation plugin lints deliveries and checks expectations. */
import { App, Validations } from 'aws-cdk-lib';
import { ConnectivityValidation } from 'eks-zero-trust/validation';
import { buildApp } from '../../examples/cilium-l7/app';

const workload = (ns: string, app: string) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: app, namespace: ns }, spec: { template: { metadata: { labels: { app } }, spec: { containers: [{ name: app, ports: [{ containerPort: 80 }] }] } } } });
const workloads = [workload('app', 'frontend'), workload('app', 'backend'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'app' } }];

/**
 * Synthesizes the seed-004 example with the plugin: the CDK prints the
 * validation report and sets the exit code to 1 (so `cdk synth` fails).
 */
function synthWith(plugin: ConnectivityValidation): { failed: boolean; report: string } {
  const app = new App({ context: { 'aws:cdk:disable-asset-staging': true } });
  Validations.of(app).addPlugins(plugin);
  buildApp(app);
  const printed: string[] = [];
  const spy = jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => { printed.push(args.map(String).join(' ')); });
  const exitCode = process.exitCode;
  try {
    app.synth();
    return { failed: process.exitCode === 1, report: printed.join('\n') };
  } finally {
    process.exitCode = exitCode;
    spy.mockRestore();
  }
}

test('expectations that hold, and no lint errors: synth passes', () => {
  const plugin = new ConnectivityValidation({ workloads, allowed: [['app/frontend', 'app/backend', '80/TCP']], denied: [['app/frontend', 'app/backend', '443/TCP']] });
  const result = synthWith(plugin);
  expect(result.failed).toBe(false);
});

test('an expectation that does not hold fails the synth, naming the cluster, the connection and the verdict', () => {
  const result = synthWith(new ConnectivityValidation({ workloads, denied: [['app/frontend', 'app/backend', '80/TCP']] }));
  expect(result.failed).toBe(true);
  expect(result.report).toMatch(/Validation failed/);
  expect(result.report).toContain('eks-zero-trust-connectivity::EZT-EXPECT-expected-denied');
  expect(result.report).toContain('CiliumL7Stack/Cluster');
  expect(result.report).toContain('app/frontend -> app/backend 80/TCP is allowed, expected denied');
});

test('lint findings of the chosen severities fail the synth with the delivery\'s path and release resources', () => {
  const result = synthWith(new ConnectivityValidation({ workloads: [...workloads, workload('other', 'open')], failOn: ['warning'] }));
  expect(result.failed).toBe(true);
  expect(result.report).toContain('eks-zero-trust-connectivity::EZT002-workload-not-isolated');
  expect(result.report).toContain('CiliumL7Stack/Cluster/ShopPolicies');
  expect(result.report).toMatch(/ClusterShopPolicies\w*/);
});
