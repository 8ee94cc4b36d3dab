/**
 * Snapshot what a stack delivers, readably: the way the README tells users
 * to test their own stacks (PolicyManifests), shown on the CaaS example.
 */
import { Stack } from 'aws-cdk-lib';
import { PolicyManifests } from 'eks-zero-trust';
import { buildApp } from '../../examples/caas-tenants/app';
import { testApp } from '../util';

const stackOf = (tenants: number) => buildApp(testApp(), { tenants }).node.findChild('CaasTenantsStack') as Stack;

test('the CaaS example delivers two tenants, readable per release', () => {
  const manifests = PolicyManifests.fromStack(stackOf(2));
  expect(manifests.toYaml()).toMatchSnapshot();
  // Targeted: what a reviewer looks for, independent of the snapshot.
  expect(manifests.releaseNames).toEqual([expect.not.stringMatching(/foundation$/), expect.stringMatching(/-foundation$/)]);
  const policies = manifests.objects.filter((o) => o.kind !== 'Namespace' && o.kind !== 'Tier' && !o.kind.startsWith('Cluster') && !o.kind.startsWith('Role'));
  expect(new Set(policies.map((o) => o.metadata.namespace))).toEqual(new Set(['tenant-customer-001', 'tenant-customer-002']));
  expect(manifests.toYaml().split('\n')[0]).toMatch(/^# release: /);
});

test('a policy change shows as that rule in the manifests, not as an asset hash', () => {
  const two = PolicyManifests.fromStack(stackOf(2)).toYaml();
  const three = PolicyManifests.fromStack(stackOf(3)).toYaml();
  expect(three).toContain('tenant-customer-003');
  expect(two).not.toContain('tenant-customer-003');
});

test('an unknown release names the ones there are', () => {
  expect(() => PolicyManifests.fromStack(stackOf(1)).release('nope')).toThrow(/no policy release "nope" in the stack; it delivers .*foundation/);
});
