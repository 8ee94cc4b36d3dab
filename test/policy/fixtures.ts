import { App, Chart } from 'cdk8s';
import { KubeObject, PolicyChart, PolicyTarget } from 'eks-zero-trust';

/** A cdk8s app with one PolicyChart for `target`. */
export function policyChart(target: PolicyTarget = PolicyTarget.KUBERNETES): PolicyChart {
  return new PolicyChart(new App(), 'test', { target });
}

/** The rendered objects of a chart of the given kind and name. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function objectNamed(chart: Chart, name: string): { [key: string]: any } {
  const found = (chart.toJson() as KubeObject[]).filter((o) => o.metadata.name === name);
  if (found.length !== 1) throw new Error(`expected one object named ${name}, found ${found.length}`);
  return found[0];
}

/** A kube-dns Deployment as EKS runs it, for connectivity tests. */
export const KUBE_DNS: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'coredns', namespace: 'kube-system' },
  spec: { template: { metadata: { labels: { 'k8s-app': 'kube-dns' } }, spec: { containers: [{ name: 'coredns', ports: [{ name: 'dns', containerPort: 53, protocol: 'UDP' }, { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' }] }] } } },
};

/** The three dialects, for `test.each`. */
export const DIALECT_TARGETS: [string, PolicyTarget][] = [['kubernetes', PolicyTarget.KUBERNETES], ['calico', PolicyTarget.CALICO], ['cilium', PolicyTarget.CILIUM]];
