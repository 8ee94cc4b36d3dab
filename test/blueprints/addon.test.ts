import * as blueprints from '@aws-quickstart/eks-blueprints';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { CiliumMode, PolicyEngine, PolicyEngineInstallation } from 'eks-zero-trust';
import { ZeroTrustEngineAddOn } from 'eks-zero-trust/blueprints';

test('the add-on installs the engine into an EksBlueprint after its node groups', async () => {
  // GIVEN a blueprint with the add-on
  const app = new App({ context: { 'aws:cdk:disable-asset-staging': true } });
  const stack = await blueprints.EksBlueprint.builder()
    .account('111111111111').region('eu-west-1')
    .version('auto')
    .addOns(new ZeroTrustEngineAddOn({ engine: PolicyEngine.cilium() }))
    .buildAsync(app, 'Blueprint');
  // WHEN synthesized
  const template = Template.fromStack(stack);
  // THEN Cilium is installed, pinned, and waits for the node group
  const nodegroups = Object.keys(template.findResources('AWS::EKS::Nodegroup'));
  expect(nodegroups.length).toBeGreaterThan(0);
  template.hasResource('Custom::AWSCDK-EKS-HelmChart', {
    Properties: Match.objectLike({ Chart: 'cilium', Version: '1.19.4', Namespace: 'kube-system' }),
    DependsOn: Match.arrayWith([nodegroups[0]]),
  });
  expect(PolicyEngineInstallation.of(stack.getClusterInfo().cluster)?.engine.kind).toBe('cilium');
});

test('in Cilium ENI mode the blueprint\'s node groups wait for Cilium, not the reverse', async () => {
  const app = new App({ context: { 'aws:cdk:disable-asset-staging': true } });
  const stack = await blueprints.EksBlueprint.builder()
    .account('111111111111').region('eu-west-1')
    .version('auto')
    .addOns(new ZeroTrustEngineAddOn({ engine: PolicyEngine.cilium({ mode: CiliumMode.ENI }) }))
    .buildAsync(app, 'BlueprintEni');
  const template = Template.fromStack(stack);
  const chart = Object.keys(template.findResources('Custom::AWSCDK-EKS-HelmChart', { Properties: { Chart: 'cilium' } }))[0];
  const nodegroups = template.findResources('AWS::EKS::Nodegroup');
  expect(Object.values(nodegroups)[0].DependsOn).toContain(chart);
  expect(template.findResources('Custom::AWSCDK-EKS-HelmChart', { Properties: { Chart: 'cilium' } })[chart].DependsOn ?? []).not.toContain(Object.keys(nodegroups)[0]);
});
