import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cdk8s from 'cdk8s';
import { DeliveryMethod, PolicyChart, PolicyEngine, PolicyTarget, SecuredCluster, ZeroTrustNamespace, shardOf } from 'eks-zero-trust';
import { addCaasTenant } from '../../examples/caas-tenants/tenant';
import { tenantNames } from '../../examples/caas-tenants/app';
import { resourcesOfType, testApp } from '../util';

function deliver(tenants: number, engine?: PolicyEngine, method?: DeliveryMethod): { template: Template; stack: Stack } {
  const stack = new Stack(testApp(), 'S');
  const cluster = new SecuredCluster(stack, 'Cluster', { engine });
  const chart = new PolicyChart(new cdk8s.App(), 'tenants', { target: cluster.engine.target });
  for (const t of tenantNames(tenants)) addCaasTenant(chart, t);
  cluster.addPolicies('Policies', { charts: [chart], method });
  return { template: Template.fromStack(stack), stack };
}

describe('PolicyDelivery', () => {
  test('the template does not grow with the number of tenants', () => {
    const size = (n: number) => JSON.stringify(deliver(n).template.toJSON()).length;
    expect(size(200)).toBe(size(5));
  });

  test('namespaces go in a foundation release, policies in a second that waits for it and for the engine', () => {
    const { template } = deliver(2);
    const charts = resourcesOfType(template, 'Custom::AWSCDK-EKS-HelmChart');
    const [foundationId] = Object.entries(charts).find(([, r]) => r.Properties.Release === 'zero-trust-policies-foundation')!;
    const [, policies] = Object.entries(charts).find(([, r]) => r.Properties.Release === 'zero-trust-policies')!;
    expect(policies.DependsOn).toEqual(expect.arrayContaining([foundationId, expect.stringMatching(/CalicoApiServerReady/)]));
    template.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', { Release: 'zero-trust-policies', ChartAssetURL: Match.anyValue(), Namespace: 'kube-system', Wait: Match.absent() });
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
