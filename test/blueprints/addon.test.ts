import * as blueprints from '@aws-quickstart/eks-blueprints';
import { App } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks';
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

test('in Cilium ENI mode the add-on taints the blueprint\'s managed node groups, keeping their own taints', async () => {
  const app = new App({ context: { 'aws:cdk:disable-asset-staging': true } });
  const stack = await blueprints.EksBlueprint.builder()
    .account('111111111111').region('eu-west-1')
    .version('auto')
    .clusterProvider(new blueprints.MngClusterProvider({ nodegroupName: 'ng', taints: [{ key: 'dedicated', value: 'x', effect: eks.TaintEffect.NO_SCHEDULE }] }))
    .addOns(new ZeroTrustEngineAddOn({ engine: PolicyEngine.cilium({ mode: CiliumMode.ENI }) }))
    .buildAsync(app, 'BlueprintTaints');
  const nodegroup = Object.values(Template.fromStack(stack).findResources('AWS::EKS::Nodegroup'))[0];
  expect(nodegroup.Properties.Taints).toEqual([
    { Key: 'dedicated', Value: 'x', Effect: 'NO_SCHEDULE' },
    { Key: 'node.cilium.io/agent-not-ready', Value: 'true', Effect: 'NO_EXECUTE' },
  ]);
});

test('in Cilium ENI mode, self-managed node groups fail the synth with the kubelet setting to add', async () => {
  const app = new App({ context: { 'aws:cdk:disable-asset-staging': true } });
  await expect(blueprints.EksBlueprint.builder()
    .account('111111111111').region('eu-west-1')
    .version('auto')
    .clusterProvider(new blueprints.AsgClusterProvider({ id: 'asg', minSize: 1, maxSize: 2 }))
    .addOns(new ZeroTrustEngineAddOn({ engine: PolicyEngine.cilium({ mode: CiliumMode.ENI }) }))
    .buildAsync(app, 'BlueprintAsg')).rejects.toThrow(/--register-with-taints=node\.cilium\.io\/agent-not-ready=true:NoExecute/);
});
