import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { EXAMPLES } from '../examples';
import { embeddedManifests, testApp } from './util';

describe.each(Object.entries(EXAMPLES))('example %s', (_name, build) => {
  test('synthesizes', () => {
    const assembly = build(testApp()).synth();
    expect(assembly.stacks.length).toBeGreaterThan(0);
  });
});

test('seed 000: calico-sa in kube-system is an IRSA service account with the egress policy', () => {
  const app = EXAMPLES['calico-irsa'](testApp());
  const stack = app.node.findChild('CalicoIrsaStack') as Stack;
  const template = Template.fromStack(stack);
  expect(embeddedManifests(template)).toContainEqual(expect.objectContaining({
    kind: 'ServiceAccount', metadata: expect.objectContaining({ name: 'calico-sa', namespace: 'kube-system' }),
  }));
  template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
    PolicyDocument: { Statement: [{ Action: ['ec2:DescribeInstances', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'], Effect: 'Allow', Resource: '*' }] },
  });
});

test('two synths of the default example are byte-identical', () => {
  const first = JSON.stringify(Template.fromStack(EXAMPLES['secured-cluster'](testApp()).node.findChild('SecuredClusterStack') as Stack).toJSON());
  const second = JSON.stringify(Template.fromStack(EXAMPLES['secured-cluster'](testApp()).node.findChild('SecuredClusterStack') as Stack).toJSON());
  expect(second).toBe(first);
});
