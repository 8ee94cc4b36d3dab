import { ApiObject, App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { chartObjects, PolicyChart, PolicyTarget } from '../../lib';
import { addCaasTenant } from '../../examples/caas-tenants/tenant';
import { addGuardrails } from '../../examples/calico-guardrails/app';

describe('chartObjects', () => {
  test.each([['Calico', PolicyTarget.CALICO], ['VPC CNI', PolicyTarget.VPC_CNI], ['Cilium', PolicyTarget.CILIUM]] as const)('gives exactly chart.toJson() for the policy examples on %s', (_, target) => {
    const chart = new PolicyChart(new App(), 'c', { target });
    for (const c of ['a', 'b', 'c']) addCaasTenant(chart, c);
    expect(chartObjects(chart)).toEqual(chart.toJson());
    // The DNS allowance comes before the deny it relaxes.
    const names = chartObjects(chart).filter((o) => o.metadata.namespace === 'tenant-a').map((o) => o.metadata.name);
    expect(names.indexOf('allow-dns')).toBeLessThan(names.indexOf('default-deny'));
  });

  test('gives exactly chart.toJson() for tiers, RBAC and staged policies', () => {
    const chart = new PolicyChart(new App(), 'g', { target: PolicyTarget.CALICO });
    addGuardrails(chart);
    expect(chartObjects(chart)).toEqual(chart.toJson());
  });

  test('dependencies between constructs and nested charts go to cdk8s', () => {
    const chart = new Chart(new App(), 'mixed');
    const group = new Construct(chart, 'group');
    const a = new ApiObject(group, 'a', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } });
    const b = new ApiObject(chart, 'b', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' } });
    group.node.addDependency(b);
    expect(chartObjects(chart).map((o) => o.metadata.name)).toEqual(chart.toJson().map((o: { metadata: { name: string } }) => o.metadata.name));
    expect(a.node.dependencies).toContain(b); // cdk8s turned the construct dependency into an object dependency
  });

  test('a cycle is an error that names an object, and validations run', () => {
    const chart = new Chart(new App(), 'cycle');
    const a = new ApiObject(chart, 'a', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } });
    const b = new ApiObject(chart, 'b', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' } });
    a.addDependency(b);
    b.addDependency(a);
    expect(() => chartObjects(chart)).toThrow(/Dependency cycle detected at cycle\/(a|b)/);
    const invalid = new Chart(new App(), 'invalid');
    new ApiObject(invalid, 'x', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }).node.addValidation({ validate: () => ['x is wrong'] });
    expect(() => chartObjects(invalid)).toThrow(/\[invalid\/x\] x is wrong/);
  });
});
